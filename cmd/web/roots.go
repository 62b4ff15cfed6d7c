package main

// A container image built FROM scratch has no /etc/ssl/certs, so without this
// the binary could not verify https://api.openai.com (or any TLS model
// endpoint). The fallback bundle (Mozilla's roots, compiled in) is used only
// when the system has no roots of its own: on a normal host, or in an image
// where the operator mounts a CA bundle, the system's roots still win.
import _ "golang.org/x/crypto/x509roots/fallback"
