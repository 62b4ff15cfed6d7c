package guard

import (
	"net/http"
	"net/netip"
	"strings"
)

// ClientIP returns the address of the client that sent r. It is the
// connection's peer unless that peer is a trusted proxy; then
// X-Forwarded-For is read from the right, past every trusted proxy, to the
// first address a proxy of ours vouches for. The leftmost entries are
// whatever the client chose to send, so they are never believed.
func ClientIP(r *http.Request, trusted []netip.Prefix) netip.Addr {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	var ip netip.Addr
	if err == nil {
		ip = peer.Addr().Unmap()
	} else if a, err := netip.ParseAddr(r.RemoteAddr); err == nil {
		ip = a.Unmap() // not host:port, as in some tests and unix sockets
	}
	if !ip.IsValid() || !isTrusted(ip, trusted) {
		return ip
	}
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		h := strings.TrimSpace(hops[i])
		if h == "" {
			continue
		}
		a, err := netip.ParseAddr(h)
		if err != nil {
			// A proxy of ours would not write this: stop at the last
			// address that one did.
			return ip
		}
		ip = a.Unmap()
		if !isTrusted(ip, trusted) {
			return ip
		}
	}
	return ip
}

func isTrusted(ip netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// ClientKey is the limiter key for an address: an IPv4 address, or an IPv6
// address's /64, since one household or server is usually given a whole
// /64 and could otherwise pick a new address per request.
func ClientKey(ip netip.Addr) string {
	if !ip.IsValid() {
		return "ip:unknown"
	}
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return "ip:" + p.String()
	}
	return "ip:" + ip.String()
}
