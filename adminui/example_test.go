package adminui_test

import (
	"fmt"

	"golang.org/x/crypto/bcrypt"

	"github.com/rtkit-go/rtkit"
	"github.com/rtkit-go/rtkit/adminui"
	"github.com/rtkit-go/rtkit/rtkittest"
)

// An Admin observes the server it is given to and serves the Admin UI's
// namespace, "/admin", behind a username and a bcrypt-hashed password.
func Example() {
	hash, _ := bcrypt.GenerateFromPassword([]byte("s3cret pass"), bcrypt.MinCost)
	admin, err := adminui.New(adminui.Config{Username: "ops", PasswordHash: string(hash)})
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := rtkit.NewServer(admin.Option())
	srv.Mount(admin.Namespace(), rtkit.NewNamespace("/chat"))
	ts, err := rtkittest.NewServer(srv)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ts.Close()

	_, err = ts.Connect("/admin", rtkittest.WithAuth(map[string]any{"username": "ops", "password": "guess"}))
	fmt.Println("wrong password:", err)
	c, err := ts.Connect("/admin", rtkittest.WithAuth(map[string]any{"username": "ops", "password": "s3cret pass"}))
	fmt.Println("right password:", err)
	if c != nil {
		c.Close()
	}

	_, err = adminui.New(adminui.Config{})
	fmt.Println(err)
	// Output:
	// wrong password: rtkittest: connection refused: invalid credentials (UNAUTHORIZED)
	// right password: <nil>
	// adminui: no credentials: set Username and PasswordHash (or NoAuth, explicitly)
}
