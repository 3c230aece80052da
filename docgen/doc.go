/*
Package docgen turns the contract of an rtkit server ([rtkit.Spec], from
[rtkit.Server.Spec]) into documentation for the people who write clients,
and compares two contracts for breaking changes.

# Generators

Every generator reads only the Spec, so its output never drifts from the
schemas the server validates with:

  - [Markdown]: one page per namespace, with each event's summary, payload
    and acknowledgement as field tables and JSON examples, the error codes
    it can answer with, and the namespace's room policies.
  - [JSONSchemas]: one JSON Schema (2020-12) file per payload and
    acknowledgement type.
  - [AsyncAPI]: an AsyncAPI 3.0 document, seen from the server: one channel
    per namespace, a receive operation per handled event and a send
    operation per emitted one, acknowledgements as operation replies, and
    the acknowledgement envelope and "error" event as shared components.
  - [TypeScript]: one module per namespace with ServerToClientEvents and
    ClientToServerEvents interfaces for socket.io-client's
    Socket<ServerToClientEvents, ClientToServerEvents>.

[Generate] runs them all and returns the files, keyed by slash-separated
relative path; [WriteFiles] writes them under a directory. The command
github.com/rtkit-go/rtkit/cmd/rtkit-docs does both from a Spec saved as
JSON.

# Wire conventions in the output

A handled event with an acknowledgement is answered with the envelope
{"success": true, "data": …} or {"success": false, "error": {"code",
"message", "details"?, "retryAfterMs"?}}. In TypeScript its acknowledgement
callback is required, so that socket.emitWithAck and socket.timeout(ms)
type the answer; a client that wants no callback learns of failures through
the "error" event ({"code", "message", "event", "details"?}), which every
namespace declares. An event emitted by the server with an acknowledgement
expects the client to call back with the acknowledgement data itself, not
an envelope.

# The whole wire contract

Besides the events, every output carries what a client needs on the
wire: the acknowledgement envelope and the "error" event; the error codes
of each event (rtkit's own, those declared with rtkit.Errors, and those
of middleware such as auth.RequireRole); how to pass credentials on a
namespace protected by package auth; and, with connection state recovery
on, the "rtkit:resync" and "rtkit:offset" events and the trailing offset
argument of logged events (TypeScript: "(payload, offset?: string)";
AsyncAPI: the x-rtkit-offset message extension and x-rtkit-recovery).

Binary values (rtkit.Binary, marked "x-rtkit-binary": true in the schemas
beside "format": "binary") travel as Socket.IO binary attachments. The
TypeScript types them as "ArrayBuffer | Uint8Array" — socket.io-client
delivers a Buffer (a Uint8Array) in Node.js and an ArrayBuffer in
browsers, and sends either — so a module compiles with Node's types or the
DOM's alone; Markdown labels them "binary"; AsyncAPI messages carry the
event's size limit as x-rtkit-max-binary-size (a specification extension,
which @asyncapi/parser accepts). JSON examples show a Binary in its JSON
form, base64. The breaking-change check treats binary as a type of its own
(a string that became binary, or the reverse, is retyped) and compares
MaxBinarySize like a constraint: lower on what clients send breaks, higher
on what they receive warns.

# Examples

JSON examples are built from the schemas: a value's const, first enum
value, default or first example when the schema has one; otherwise a value
chosen to satisfy type, format, pattern, length and range constraints.
Every field, optional or not, appears once, except where a type refers back
to itself. The package's tests validate every example against its schema.

# Breaking changes

[Diff] lists what a client written against the old contract would notice,
reasoning from which side writes each payload (the client writes the
payload of a client → server event and the acknowledgement of a
server → client one). What clients send may not be constrained more:
narrowed enums, raised minimums and lowered maximums, lengths, item
counts, new or changed patterns and formats, multipleOf, uniqueItems,
objects that refuse unknown properties, new required fields and null
refused all break. What clients receive may not be missing, null or
retyped where it was not (breaking), and values they were not promised —
a wider enum, a looser bound — are warnings. Removed namespaces, events
and fields break both ways; an event or field replaced by one with the
same schema is reported as a probable rename, and an event that now
flows the other way as a direction change. The command's -breaking flag
runs it in CI and fails only on breaking changes.

# Concurrency

Every function is safe for concurrent use; none keeps state between calls.
*/
package docgen
