package app

import (
	"net/http"

	"github.com/rtkit-go/rtkit/docgen"
)

// DocsInfo names the workspace API in its documentation: the pages served
// at /docs and the copy committed under docs/workspace.
var DocsInfo = docgen.Info{
	Title:   "Workspace",
	Version: "1.0.0",
	Description: "The Socket.IO contract of examples/workspace: notifications and document changes " +
		"for the signed-in user. Sign in over REST (POST /api/auth/sign-in) and pass the session token.",
}

// DocsPrefix is where the application serves its live documentation.
const DocsPrefix = "/docs"

// docsHandler serves the documentation of the running Socket.IO server at
// DocsPrefix.
func (a *App) docsHandler() (http.Handler, error) {
	h, err := docgen.Handler(a.rt.RT().Spec(), docgen.Options{Info: DocsInfo})
	if err != nil {
		return nil, err
	}
	return http.StripPrefix(DocsPrefix, h), nil
}
