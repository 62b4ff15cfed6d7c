package guard

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	proxies := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	tests := []struct {
		name    string
		remote  string
		xff     []string
		trusted []netip.Prefix
		want    string
	}{
		{"no proxy", "203.0.113.7:5555", nil, nil, "203.0.113.7"},
		{"XFF from an untrusted peer is ignored", "203.0.113.7:5555", []string{"1.2.3.4"}, proxies, "203.0.113.7"},
		{"XFF ignored when no proxy is trusted", "10.0.0.2:5555", []string{"1.2.3.4"}, nil, "10.0.0.2"},
		{"trusted proxy", "10.0.0.2:5555", []string{"198.51.100.9"}, proxies, "198.51.100.9"},
		{"a client's own XFF entry is not believed", "10.0.0.2:5555", []string{"6.6.6.6, 198.51.100.9"}, proxies, "198.51.100.9"},
		{"two trusted proxies", "10.0.0.2:5555", []string{"198.51.100.9, 10.0.0.3"}, proxies, "198.51.100.9"},
		{"several headers are one list", "10.0.0.2:5555", []string{"6.6.6.6", "198.51.100.9"}, proxies, "198.51.100.9"},
		{"garbage stops at the last proxy", "10.0.0.2:5555", []string{"198.51.100.9, nonsense"}, proxies, "10.0.0.2"},
		{"only proxies", "10.0.0.2:5555", []string{"10.0.0.4"}, proxies, "10.0.0.4"},
		{"no header from a proxy", "10.0.0.2:5555", nil, proxies, "10.0.0.2"},
		{"IPv6 loopback proxy", "[::1]:5555", []string{"2001:db8::1"}, proxies, "2001:db8::1"},
		{"IPv4-mapped", "[::ffff:203.0.113.7]:1", nil, nil, "203.0.113.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.remote
			for _, v := range tt.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			if got := ClientIP(r, tt.trusted); got.String() != tt.want {
				t.Errorf("ClientIP = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestClientKeyGroupsIPv6By64(t *testing.T) {
	a := ClientKey(netip.MustParseAddr("2001:db8:1:2::1"))
	b := ClientKey(netip.MustParseAddr("2001:db8:1:2:ffff::9"))
	c := ClientKey(netip.MustParseAddr("2001:db8:1:3::1"))
	if a != b || a == c {
		t.Errorf("keys %s, %s, %s: want the first two equal (same /64), the third different", a, b, c)
	}
	if k := ClientKey(netip.MustParseAddr("192.0.2.1")); k != "ip:192.0.2.1" {
		t.Errorf("IPv4 key = %s", k)
	}
}
