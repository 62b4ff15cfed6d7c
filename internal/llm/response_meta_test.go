package llm

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header map[string]string
		want   time.Duration
	}{
		{name: "absent", want: 0},
		{name: "seconds", header: map[string]string{"Retry-After": "12"}, want: 12 * time.Second},
		{name: "fractional seconds", header: map[string]string{"Retry-After": "1.5"}, want: 1500 * time.Millisecond},
		{name: "zero", header: map[string]string{"Retry-After": "0"}, want: 0},
		{name: "negative", header: map[string]string{"Retry-After": "-3"}, want: 0},
		{name: "http date", header: map[string]string{"Retry-After": "Sat, 01 Mar 2025 12:00:30 GMT"}, want: 30 * time.Second},
		{name: "date in the past", header: map[string]string{"Retry-After": "Sat, 01 Mar 2025 11:00:00 GMT"}, want: 0},
		{name: "garbage", header: map[string]string{"Retry-After": "soon"}, want: 0},
		{name: "azure milliseconds", header: map[string]string{"Retry-After-Ms": "250"}, want: 250 * time.Millisecond},
		{name: "seconds win over milliseconds", header: map[string]string{"Retry-After": "2", "Retry-After-Ms": "250"}, want: 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			if got := retryAfter(h, now); got != tt.want {
				t.Errorf("retryAfter(%v) = %v, want %v", tt.header, got, tt.want)
			}
		})
	}
}
