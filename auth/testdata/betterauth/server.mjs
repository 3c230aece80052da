// A Hono application whose users and sessions come from better-auth, as in
// docs/better-auth.md: memory adapter (no native build), email and
// password sign-up, and the bearer, jwt and admin plugins. rtkit's auth
// tests start it on a free port of 127.0.0.1 and talk to it over HTTP.
//
//   node server.mjs
//
// It prints "listening 127.0.0.1:PORT" once it accepts requests. Its
// settings come from the environment:
//
//   BETTER_AUTH_SECRET  the secret better-auth signs cookies with (a test
//                       value is used when unset)
//   RTKIT_ADMIN_EMAILS  comma-separated emails whose sign-up makes an admin
//                       (the admin plugin's role "admin")
//   RTKIT_JWT_AUDIENCE  the "aud" of the tokens of GET /api/auth/token
//                       (default "rtkit")
//   PORT                the port (default a free one)
//   RTKIT_JWKS_ROTATION_SECONDS
//                       rotate the jwt plugin's signing key this often
import { serve } from "@hono/node-server";
import { betterAuth } from "better-auth";
import { memoryAdapter } from "better-auth/adapters/memory";
import { admin, bearer, jwt } from "better-auth/plugins";
import { Hono } from "hono";

const admins = new Set(
  (process.env.RTKIT_ADMIN_EMAILS ?? "").split(",").map((e) => e.trim().toLowerCase()).filter(Boolean),
);

// Seconds after which the jwt plugin signs with a new key (unset: never).
const rotation = Number(process.env.RTKIT_JWKS_ROTATION_SECONDS ?? 0);

// The memory adapter keeps every model in an array of this object.
const db = { user: [], session: [], account: [], verification: [], jwks: [] };

// makeAuth configures better-auth for the address the server listens on.
// #region auth
function makeAuth(baseURL) {
  return betterAuth({
    baseURL,
    secret: process.env.BETTER_AUTH_SECRET ?? "rtkit-test-secret-0123456789abcdef0123456789",
    database: memoryAdapter(db),
    emailAndPassword: { enabled: true },
    plugins: [
      bearer(),
      jwt({
        jwks: rotation ? { rotationInterval: rotation } : undefined,
        jwt: {
          issuer: baseURL,
          audience: process.env.RTKIT_JWT_AUDIENCE ?? "rtkit",
          expirationTime: "15m",
          // The claims rtkit maps to its principal (sub is the user id).
          definePayload: ({ user, session }) => ({
            email: user.email,
            name: user.name,
            role: user.role,
            sid: session.id,
          }),
        },
      }),
      admin(),
    ],
    databaseHooks: {
      user: {
        create: {
          before: async (user) =>
            admins.has(String(user.email).toLowerCase()) ? { data: { ...user, role: "admin" } } : { data: user },
        },
      },
    },
  });
}
// #endregion auth

let auth;
// How many times get-session was asked, for the tests that count the
// requests rtkit sends.
let getSessionRequests = 0;
const app = new Hono();
app.use("/api/auth/get-session", async (_c, next) => {
  getSessionRequests++;
  await next();
});
// #region mount
app.on(["GET", "POST"], "/api/auth/*", (c) => auth.handler(c.req.raw));
// #endregion mount
app.get("/test/get-session-requests", (c) => c.json({ count: getSessionRequests }));

const port = Number(process.env.PORT ?? 0); // 0: a free port
const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port }, (info) => {
  auth = makeAuth(`http://127.0.0.1:${info.port}`);
  console.log(`listening 127.0.0.1:${info.port}`);
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    server.close(() => process.exit(0));
    server.closeAllConnections?.();
  });
}
// The test holds standard input open while it runs: end with it.
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
