package fakeopenai

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

type apiError struct {
	Message string
	Type    string
	Code    string // empty is sent as null, as the real API does for 5xx
}

type errorBody struct {
	Error apiError `json:"error"`
}

// MarshalJSON keeps the real API's field order and its null param and code.
func (e apiError) MarshalJSON() ([]byte, error) {
	var code any
	if e.Code != "" {
		code = e.Code
	}
	return json.Marshal(struct {
		Message string `json:"message"`
		Type    string `json:"type"`
		Param   any    `json:"param"`
		Code    any    `json:"code"`
	}{e.Message, e.Type, nil, code})
}

// defaultError is what api.openai.com says for each status.
func defaultError(status int, model string) apiError {
	switch status {
	case http.StatusBadRequest:
		return apiError{"Invalid request.", "invalid_request_error", ""}
	case http.StatusUnauthorized:
		return apiError{"Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.", "invalid_request_error", "invalid_api_key"}
	case http.StatusForbidden:
		return apiError{"Country, region, or territory not supported", "request_forbidden", "unsupported_country_region_territory"}
	case http.StatusNotFound:
		return apiError{fmt.Sprintf("The model `%s` does not exist or you do not have access to it.", model), "invalid_request_error", "model_not_found"}
	case http.StatusTooManyRequests:
		return apiError{fmt.Sprintf("Rate limit reached for %s on requests per min (RPM). Please try again later.", model), "requests", "rate_limit_exceeded"}
	case http.StatusInternalServerError:
		return apiError{"The server had an error while processing your request. Sorry about that!", "server_error", ""}
	case http.StatusServiceUnavailable:
		return apiError{"The engine is currently overloaded, please try again later.", "server_error", ""}
	}
	if status >= 500 {
		return apiError{http.StatusText(status) + ".", "server_error", ""}
	}
	return apiError{http.StatusText(status) + ".", "invalid_request_error", ""}
}

// writeErrorReply answers with r's error and reports whether the client
// took the whole body.
func writeErrorReply(w http.ResponseWriter, r Reply, model string) bool {
	if r.RetryAfter != "" {
		w.Header().Set("Retry-After", r.RetryAfter)
	}
	if r.NonJSONError {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(r.Status)
		text := fmt.Sprintf("%d %s", r.Status, http.StatusText(r.Status))
		_, err := fmt.Fprintf(w, "<html>\r\n<head><title>%s</title></head>\r\n<body>\r\n<center><h1>%s</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n", text, text)
		return err == nil
	}
	e := defaultError(r.Status, model)
	if r.Code != "" {
		e.Code = r.Code
	}
	if r.Message != "" {
		e.Message = r.Message
	}
	if r.ErrorBodyBytes > 0 {
		return writeHugeAPIError(w, r.Status, e, r.ErrorBodyBytes)
	}
	writeAPIError(w, r.Status, e)
	return true
}

// writeHugeAPIError writes e with its message padded so that the body is
// about size bytes, in pieces.
func writeHugeAPIError(w http.ResponseWriter, status int, e apiError, size int64) bool {
	const marker = "\x00"
	e.Message += marker
	b, _ := json.Marshal(errorBody{Error: e})
	head, tail, _ := strings.Cut(string(b), `\u0000`)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	return writeRepeated(w, nil, head, 'x', size-int64(len(head)+len(tail)+1), tail+"\n")
}

func writeAPIError(w http.ResponseWriter, status int, e apiError) {
	b, _ := json.Marshal(errorBody{Error: e})
	writeJSON(w, status, string(b))
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	fmt.Fprintln(w, body)
}
