package auth

import (
	"context"
	"encoding/json"

	"github.com/rtkit-go/rtkit"
)

// roleKey is the rtkit.WithValue key of the roles an event requires.
type roleKey struct{}

// RequireRole is an event option: only sockets whose principal holds one
// of roles (Principal.HasRole) may send the event. Others are answered
// before the payload is validated and the handler runs: UNAUTHORIZED
// "Authentication required" for an anonymous socket (Optional), FORBIDDEN
// "Insufficient role" for a principal without the role.
//
//	var DocumentDelete = rtkit.NewEvent[DeleteIn, DeleteOut]("document:delete",
//		auth.RequireRole("admin", "owner"))
//
// The check is the event middleware that Required and Optional install: it
// applies on the namespaces they protect, and nowhere else (a server
// without them has no principals to check). RequireRole panics when given
// no role.
func RequireRole(roles ...string) rtkit.EventOption {
	if len(roles) == 0 {
		panic("auth: RequireRole: no role given")
	}
	return rtkit.WithValue(roleKey{}, requiredRoles(append([]string(nil), roles...)))
}

// requiredRoles is the value RequireRole attaches: it shows in the spec
// under "roles", with the codes the check answers with.
type requiredRoles []string

func (r requiredRoles) SpecAnnotation() (string, any) { return "roles", []string(r) }

func (requiredRoles) SpecErrorCodes() []rtkit.Code {
	return []rtkit.Code{rtkit.CodeUnauthorized, rtkit.CodeForbidden}
}

// roles is the event middleware enforcing RequireRole. Events without it
// cost one map lookup.
func (g *guard) roles(next rtkit.HandlerFunc) rtkit.HandlerFunc {
	return func(ctx context.Context, s *rtkit.Socket, req *rtkit.Request) (json.RawMessage, error) {
		if want, ok := req.Event.Value(roleKey{}).(requiredRoles); ok {
			p, authed := PrincipalFrom(ctx)
			if !authed {
				return nil, rtkit.NewError(rtkit.CodeUnauthorized, msgRequired)
			}
			if !p.hasAnyRole(want) {
				g.logger(s).Info("auth: event refused: role missing", "namespace", s.Namespace(),
					"event", req.Event.Name, "user", p.UserID, "want", want)
				return nil, rtkit.NewError(rtkit.CodeForbidden, "Insufficient role")
			}
		}
		return next(ctx, s, req)
	}
}
