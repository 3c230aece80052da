package auth

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/MicahParks/jwkset"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/sync/singleflight"
	"golang.org/x/time/rate"
)

// JWKSConfig configures NewJWKS. The zero value of each optional field is
// its default.
type JWKSConfig struct {
	// URL is the JSON Web Key Set, such as better-auth's
	// "https://auth.example/api/auth/jwks" or an OpenID provider's
	// jwks_uri (required).
	URL string
	// Issuer must equal the "iss" claim (required: keys published at a
	// URL are often shared by every tenant or application of a provider).
	Issuer string
	// Audience must be one of the "aud" claim's values (required, for the
	// same reason).
	Audience string
	// Algorithms are the algorithms accepted (default RS256, RS384, RS512,
	// PS256, PS384, PS512, ES256, ES384, ES512, EdDSA). HMAC and "none" are
	// never accepted: a key set is public.
	Algorithms []string
	// Leeway tolerates clock skew when checking "exp", "nbf" and "iat".
	Leeway time.Duration
	// AllowNoExpiry accepts tokens without an "exp" claim.
	AllowNoExpiry bool
	// Cookie names a cookie to read the token from when the client sent
	// none in its handshake auth or Authorization header.
	Cookie string
	// RefreshInterval is how often the key set is fetched again (default
	// 1 hour), so that removed keys stop being accepted.
	RefreshInterval time.Duration
	// UnknownKIDInterval is the least time between two fetches caused by
	// a token whose "kid" is not in the key set (default 1 minute): a new
	// key is found at once, and tokens with made-up key ids cost the
	// identity service at most one request per interval.
	UnknownKIDInterval time.Duration
	// Timeout bounds one fetch (default 5 s).
	Timeout time.Duration
	// Client fetches the key set (default a client without redirects).
	Client *http.Client
	// Logger records failed fetches (default slog.Default()).
	Logger *slog.Logger
	// Now returns the current time (default time.Now), for tests.
	Now func() time.Time
}

// defaultJWKSAlgorithms are the asymmetric algorithms golang-jwt verifies.
var defaultJWKSAlgorithms = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
	"ES256", "ES384", "ES512", "EdDSA"}

// JWKS authenticates JSON Web Tokens signed with the keys an identity
// service publishes as a JSON Web Key Set (Auth0, Clerk, Supabase,
// Keycloak, Cognito, better-auth's jwt plugin). The set is fetched with
// github.com/MicahParks/jwkset, kept in memory, fetched again every
// RefreshInterval and, when a token names a key id the set does not hold
// (the service rotated its keys), at once, at most once per
// UnknownKIDInterval. Concurrent handshakes waiting for the same key id
// share one fetch.
//
// Each key is bound to one algorithm: its "alg" when the set gives one,
// else the one its type allows (EdDSA for Ed25519, ES256/384/512 for
// P-256/384/521, RS256 for RSA); a token must use exactly that algorithm.
// Symmetric keys, encryption keys and keys of other types are ignored.
// Tokens must name their key ("kid"). Claims map to the principal as with
// JWT.
//
// When the key set cannot be fetched, tokens signed with a key already
// known are still verified; others are refused with an error wrapping
// ErrUnavailable (the client is told UNAVAILABLE and may retry), never
// taken for forgeries. Close stops the background fetches. A JWKS is safe
// for concurrent use.
type JWKS struct {
	cfg    JWKSConfig
	known  jwkset.Storage // the fetched keys, read without fetching
	store  jwkset.Storage // known, fetched again for an unknown kid
	parser *jwt.Parser
	cancel context.CancelFunc
	flight singleflight.Group
	// unknownKID allows one fetch for an unknown kid per UnknownKIDInterval.
	unknownKID *rate.Limiter

	failing atomic.Bool // the last fetch failed
}

var _ Authenticator = (*JWKS)(nil)

// NewJWKS fetches the key set once and returns the authenticator, which
// fetches it again in the background until ctx ends or Close is called.
// An unreachable key set is no error (its failure is logged, and tokens
// are refused with UNAVAILABLE until a fetch succeeds); a configuration
// that is incomplete is.
func NewJWKS(ctx context.Context, cfg JWKSConfig) (*JWKS, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	j := &JWKS{cfg: cfg, cancel: cancel, unknownKID: rate.NewLimiter(rate.Every(cfg.UnknownKIDInterval), 1)}
	j.parser = jwt.NewParser(claimChecks(cfg.Algorithms, cfg.Issuer, cfg.Audience, cfg.Leeway,
		cfg.AllowNoExpiry, cfg.Now)...)
	client := *cfg.Client
	client.Transport = &fetchRecorder{base: client.Transport, j: j}
	known, err := jwkset.NewStorageFromHTTP(cfg.URL, jwkset.HTTPClientStorageOptions{
		Client:                    &client,
		Ctx:                       ctx,
		HTTPTimeout:               cfg.Timeout,
		NoErrorReturnFirstHTTPReq: true,
		RefreshErrorHandler:       j.fetchFailed,
		RefreshInterval:           cfg.RefreshInterval,
	})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("auth: JWKS: %w", err)
	}
	// jwkset waits for its limiter, up to RateLimitWaitMax, and fetches
	// with what remains of it: lookup asks j.unknownKID first, so that a
	// fetch it does not allow now is refused at once instead of holding
	// the handshake, and jwkset's own limiter lets every fetch through.
	store, err := jwkset.NewHTTPClient(jwkset.HTTPClientOptions{
		HTTPURLs:          map[string]jwkset.Storage{cfg.URL: known},
		PrioritizeHTTP:    true,
		RateLimitWaitMax:  cfg.Timeout,
		RefreshUnknownKID: rate.NewLimiter(rate.Inf, 1),
	})
	if err != nil {
		cancel()
		return nil, fmt.Errorf("auth: JWKS: %w", err)
	}
	j.known, j.store = known, store
	return j, nil
}

// defaults checks cfg and fills in its defaults.
func (cfg *JWKSConfig) defaults() error {
	switch {
	case !strings.HasPrefix(cfg.URL, "http://") && !strings.HasPrefix(cfg.URL, "https://"):
		return fmt.Errorf("auth: JWKS: URL %q is not an absolute http(s) URL", cfg.URL)
	case cfg.Issuer == "" || cfg.Audience == "":
		return errors.New("auth: JWKS: Issuer and Audience are required")
	}
	if len(cfg.Algorithms) == 0 {
		cfg.Algorithms = defaultJWKSAlgorithms
	}
	for _, a := range cfg.Algorithms {
		if !slices.Contains(defaultJWKSAlgorithms, a) {
			return fmt.Errorf("auth: JWKS: algorithm %q not accepted from a key set", a)
		}
	}
	if cfg.RefreshInterval <= 0 {
		cfg.RefreshInterval = time.Hour
	}
	if cfg.UnknownKIDInterval <= 0 {
		cfg.UnknownKIDInterval = time.Minute
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return nil
}

// Close stops fetching the key set. Tokens are still verified with the
// keys already known.
func (j *JWKS) Close() { j.cancel() }

// CookieNames names the configured cookie, if any.
func (j *JWKS) CookieNames() []string { return cookieList(j.cfg.Cookie) }

// Authenticate verifies the token with the key its "kid" names and maps
// its claims to a principal. A failure wraps ErrUnavailable when the key
// set could not be fetched, ErrInvalidCredentials otherwise.
func (j *JWKS) Authenticate(ctx context.Context, c Credentials) (Principal, error) {
	raw := c.bearerToken(j.cfg.Cookie)
	if raw == "" {
		return Principal{}, fmt.Errorf("%w: no token", ErrInvalidCredentials)
	}
	claims := jwt.MapClaims{}
	_, err := j.parser.ParseWithClaims(raw, claims, func(t *jwt.Token) (any, error) { return j.key(ctx, t) })
	switch {
	case errors.Is(err, ErrUnavailable):
		return Principal{}, err
	case err != nil:
		return Principal{}, fmt.Errorf("%w: %w", ErrInvalidCredentials, err)
	}
	return principalOfClaims(claims, j.cfg.Leeway)
}

// key returns the key the token's kid names, once the token's algorithm is
// the one the key is bound to.
func (j *JWKS) key(ctx context.Context, t *jwt.Token) (any, error) {
	kid, _ := t.Header["kid"].(string)
	if kid == "" {
		return nil, errors.New("token without kid")
	}
	jwk, err := j.lookup(ctx, kid)
	if err != nil {
		return nil, err
	}
	alg, err := boundAlgorithm(jwk.Marshal())
	if err != nil {
		return nil, fmt.Errorf("key %q: %w", kid, err)
	}
	if t.Method.Alg() != alg {
		return nil, fmt.Errorf("key %q is for %s, token uses %s", kid, alg, t.Method.Alg())
	}
	key := jwk.Key()
	if priv, ok := key.(interface{ Public() crypto.PublicKey }); ok {
		key = priv.Public() // a set that wrongly publishes private keys
	}
	return key, nil
}

// lookup finds kid among the known keys or, failing that, fetches the set
// again (one fetch for all concurrent lookups of kid, and only as often as
// UnknownKIDInterval allows).
func (j *JWKS) lookup(ctx context.Context, kid string) (jwkset.JWK, error) {
	if jwk, err := j.known.KeyRead(ctx, kid); err == nil {
		return jwk, nil
	}
	v, err, _ := j.flight.Do(kid, func() (any, error) {
		if !j.unknownKID.Allow() {
			return nil, jwkset.ErrKeyNotFound
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), j.cfg.Timeout)
		defer cancel()
		return j.store.KeyRead(fctx, kid)
	})
	if err == nil {
		return v.(jwkset.JWK), nil
	}
	// A fetch for another key id may have brought it meanwhile.
	if jwk, rerr := j.known.KeyRead(ctx, kid); rerr == nil {
		return jwk, nil
	}
	if j.failing.Load() {
		return jwkset.JWK{}, fmt.Errorf("%w: key %q unknown and the key set cannot be fetched", ErrUnavailable, kid)
	}
	return jwkset.JWK{}, fmt.Errorf("unknown key id %q: %w", kid, err)
}

// boundAlgorithm is the one algorithm a key of the set verifies.
func boundAlgorithm(m jwkset.JWKMarshal) (string, error) {
	if m.USE == jwkset.UseEnc {
		return "", errors.New("an encryption key")
	}
	kty, crv := m.KTY, m.CRV
	var byType string
	switch {
	case kty == jwkset.KtyOKP && crv == jwkset.CrvEd25519:
		byType = "EdDSA"
	case kty == jwkset.KtyEC && crv == jwkset.CrvP256:
		byType = "ES256"
	case kty == jwkset.KtyEC && crv == jwkset.CrvP384:
		byType = "ES384"
	case kty == jwkset.KtyEC && crv == jwkset.CrvP521:
		byType = "ES512"
	case kty == jwkset.KtyRSA:
		byType = "RS256"
	default:
		return "", fmt.Errorf("key type %s %s not accepted", kty, crv)
	}
	alg := m.ALG.String()
	if alg == "" {
		return byType, nil
	}
	rsa := strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS")
	if alg != byType && (kty != jwkset.KtyRSA || !rsa) {
		return "", fmt.Errorf("algorithm %s does not fit a key of type %s %s", alg, kty, crv)
	}
	return alg, nil
}

// fetchFailed records a failed fetch of the key set and logs it.
func (j *JWKS) fetchFailed(ctx context.Context, err error) {
	j.failing.Store(true)
	j.cfg.Logger.WarnContext(ctx, "auth: JWKS: fetching the key set failed", "url", j.cfg.URL, "err", err)
}

// maxJWKSBody bounds the key set read from the service.
const maxJWKSBody = 1 << 20

// fetchRecorder sees every fetch of the key set: it records whether the
// service answered, and bounds what is read of the answer.
type fetchRecorder struct {
	base http.RoundTripper
	j    *JWKS
}

func (f *fetchRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	base := f.base
	if base == nil {
		base = http.DefaultTransport
	}
	resp, err := base.RoundTrip(req)
	switch {
	case err != nil:
		f.j.failing.Store(true)
	case resp.StatusCode != http.StatusOK:
		f.j.failing.Store(true)
	default:
		f.j.failing.Store(false) // a body that does not parse is reported to fetchFailed
		resp.Body = limitedBody{Reader: io.LimitReader(resp.Body, maxJWKSBody), Closer: resp.Body}
	}
	return resp, err
}

// limitedBody reads at most maxJWKSBody of a body and closes the whole.
type limitedBody struct {
	io.Reader
	io.Closer
}
