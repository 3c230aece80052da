// Package rawclient lets rtkittest reach the Socket.IO client socket under
// a client.Client without client's public API naming the library's types.
package rawclient

import sioc "github.com/zishang520/socket.io/clients/socket/v3"

// Socket returns the Socket.IO socket of a *client.Client; package client
// sets it.
var Socket func(c any) *sioc.Socket
