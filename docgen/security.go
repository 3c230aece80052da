package docgen

import (
	"encoding/json"
	"fmt"
)

// authAnnotation is what the auth package annotates on a namespace under
// the key "auth": whether a connection must authenticate, and which cookie
// names carry a session besides the token.
type authAnnotation struct {
	Required bool     `json:"required"`
	Cookies  []string `json:"cookies,omitempty"`
}

// authOf reads the namespace's "auth" annotation, whatever Go type it has
// (in process) or had (read back from a spec file).
func authOf(ann map[string]any) (authAnnotation, bool) {
	v, ok := ann["auth"]
	if !ok {
		return authAnnotation{}, false
	}
	b, err := json.Marshal(v)
	if err != nil {
		return authAnnotation{}, false
	}
	var a authAnnotation
	if json.Unmarshal(b, &a) != nil {
		return authAnnotation{}, false
	}
	return a, true
}

// securitySchemes returns the AsyncAPI security schemes of an
// authenticated namespace and references to them: the session token as a
// bearer token (sent as Authorization: Bearer or the handshake's
// auth.token), and each session cookie.
func securitySchemes(a authAnnotation) (map[string]any, []ref) {
	schemes := map[string]any{
		"rtkit.token": map[string]any{
			"type":        "http",
			"scheme":      "bearer",
			"description": "The session token, as the Socket.IO handshake's `auth.token` (io(url, {auth: {token}})) or as `Authorization: Bearer <token>`.",
		},
	}
	refs := []ref{{"#/components/securitySchemes/rtkit.token"}}
	for _, c := range a.Cookies {
		key := componentKey("rtkit.cookie." + c)
		schemes[key] = map[string]any{
			"type":        "httpApiKey",
			"name":        c,
			"in":          "cookie",
			"description": fmt.Sprintf("The session cookie %s, sent by browsers with the handshake.", c),
		}
		refs = append(refs, ref{"#/components/securitySchemes/" + key})
	}
	return schemes, refs
}
