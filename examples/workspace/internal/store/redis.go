package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
)

// Redis returns stores kept in the Redis at rawURL
// (redis://[user:password@]host:port[/db] or rediss://), under keys that
// start with prefix ("workspace:" when empty), so that every process of a
// deployment sees the same users, sessions, documents and notifications.
// Records are JSON strings; sessions expire with their Redis key. Updates
// of one document from two processes at the same instant are last writer
// wins.
func Redis(rawURL, prefix string) (Stores, error) {
	o, err := redis.ParseURL(rawURL)
	if err != nil {
		return Stores{}, fmt.Errorf("store: redis URL: %w", err)
	}
	if prefix == "" {
		prefix = "workspace:"
	}
	// While Redis is unreachable, a request fails within about two
	// seconds instead of waiting for go-redis's longer defaults.
	o.DialTimeout, o.ReadTimeout, o.WriteTimeout = time.Second, time.Second, time.Second
	o.MaxRetries = 1
	rdb := redis.NewClient(o)
	k := keys(prefix)
	return Stores{
		Users:         &redisUsers{rdb, k},
		Sessions:      &redisSessions{rdb, k},
		Documents:     &redisDocuments{rdb, k},
		Notifications: &redisNotifications{rdb, k},
		Kind:          "redis",
		Ping:          func(ctx context.Context) error { return rdb.Ping(ctx).Err() },
		Close:         rdb.Close,
	}, nil
}

// keys names the Redis keys.
type keys string

func (k keys) user(id uuid.UUID) string     { return string(k) + "user:" + id.String() }
func (k keys) email(e string) string        { return string(k) + "user-email:" + e }
func (k keys) session(h string) string      { return string(k) + "session:" + h }
func (k keys) doc(id uuid.UUID) string      { return string(k) + "doc:" + id.String() }
func (k keys) docsOf(id uuid.UUID) string   { return string(k) + "docs-of:" + id.String() }
func (k keys) docBytes(id uuid.UUID) string { return string(k) + "doc-bytes-of:" + id.String() }
func (k keys) notif(id uuid.UUID) string    { return string(k) + "notif:" + id.String() }
func (k keys) notifsOf(id uuid.UUID) string { return string(k) + "notifs-of:" + id.String() }
func (k keys) broadcasts() string           { return string(k) + "notifs-broadcast" }
func (k keys) readers(id uuid.UUID) string  { return string(k) + "notif-read:" + id.String() }

// getJSON reads the JSON value at key; ErrNotFound when there is none.
func getJSON[T any](ctx context.Context, rdb *redis.Client, key string) (T, error) {
	var v T
	b, err := rdb.Get(ctx, key).Bytes()
	if errors.Is(err, redis.Nil) {
		return v, ErrNotFound
	}
	if err != nil {
		return v, err
	}
	return v, json.Unmarshal(b, &v)
}

// mgetJSON reads the JSON values of keys prefix+id, in the order of ids;
// keys deleted meanwhile are skipped.
func mgetJSON[T any](ctx context.Context, rdb *redis.Client, prefix string, ids []string) ([]T, error) {
	out := []T{}
	if len(ids) == 0 {
		return out, nil
	}
	ks := make([]string, len(ids))
	for i, id := range ids {
		ks[i] = prefix + id
	}
	vals, err := rdb.MGet(ctx, ks...).Result()
	if err != nil {
		return nil, err
	}
	for _, v := range vals {
		str, ok := v.(string)
		if !ok {
			continue // deleted meanwhile
		}
		var t T
		if err := json.Unmarshal([]byte(str), &t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

type redisUsers struct {
	rdb *redis.Client
	k   keys
}

func (s *redisUsers) Create(ctx context.Context, u User) error {
	b, err := json.Marshal(u)
	if err != nil {
		return err
	}
	// The record first, then the email index that makes it reachable: a
	// failure in between leaves an unreachable record, never an email
	// that points nowhere.
	if err := s.rdb.Set(ctx, s.k.user(u.ID), b, 0).Err(); err != nil {
		return err
	}
	ok, err := s.rdb.SetNX(ctx, s.k.email(u.Email), u.ID.String(), 0).Result()
	if err == nil && !ok {
		err = ErrConflict
	}
	if err != nil {
		_ = s.rdb.Del(ctx, s.k.user(u.ID)).Err()
		return err
	}
	return nil
}

func (s *redisUsers) ByID(ctx context.Context, id uuid.UUID) (User, error) {
	return getJSON[User](ctx, s.rdb, s.k.user(id))
}

func (s *redisUsers) ByEmail(ctx context.Context, email string) (User, error) {
	v, err := s.rdb.Get(ctx, s.k.email(email)).Result()
	if errors.Is(err, redis.Nil) {
		return User{}, ErrNotFound
	}
	if err != nil {
		return User{}, err
	}
	id, err := uuid.Parse(v)
	if err != nil {
		return User{}, fmt.Errorf("store: bad user id under %s: %w", s.k.email(email), err)
	}
	return s.ByID(ctx, id)
}

type redisSessions struct {
	rdb *redis.Client
	k   keys
}

func (s *redisSessions) Create(ctx context.Context, se Session) error {
	b, err := json.Marshal(se)
	if err != nil {
		return err
	}
	ttl := time.Until(se.ExpiresAt)
	if ttl <= 0 {
		return nil
	}
	return s.rdb.Set(ctx, s.k.session(se.TokenHash), b, ttl).Err()
}

func (s *redisSessions) ByTokenHash(ctx context.Context, hash string) (Session, error) {
	se, err := getJSON[Session](ctx, s.rdb, s.k.session(hash))
	if err == nil && !time.Now().Before(se.ExpiresAt) {
		return Session{}, ErrNotFound
	}
	return se, err
}

func (s *redisSessions) Delete(ctx context.Context, hash string) error {
	return s.rdb.Del(ctx, s.k.session(hash)).Err()
}

type redisDocuments struct {
	rdb *redis.Client
	k   keys
}

// Create checks the quota, then stores: two processes creating at the
// same instant may both pass the check (the SQL stores do not have this
// race).
func (s *redisDocuments) Create(ctx context.Context, d Document, q DocumentQuota) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	n, err := s.rdb.ZCard(ctx, s.k.docsOf(d.OwnerID)).Result()
	if err != nil {
		return err
	}
	size, err := s.rdb.Get(ctx, s.k.docBytes(d.OwnerID)).Int64()
	if err != nil && !errors.Is(err, redis.Nil) {
		return err
	}
	if (q.Documents > 0 && int(n)+1 > q.Documents) || (q.Bytes > 0 && size+d.Size() > q.Bytes) {
		return ErrQuota
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.k.doc(d.ID), b, 0)
		p.ZAdd(ctx, s.k.docsOf(d.OwnerID), redis.Z{Score: score(d.CreatedAt), Member: d.ID.String()})
		p.IncrBy(ctx, s.k.docBytes(d.OwnerID), d.Size())
		return nil
	})
	return err
}

// score orders a sorted set by creation time: microseconds since 1970,
// which a float64 holds exactly; the API keeps times to the microsecond.
func score(t time.Time) float64 { return float64(t.UnixMicro()) }

// pageOf returns the members of zs (newest first, as ZREVRANGE WITHSCORES
// gives them) that belong to p.
func pageOf(zs []redis.Z, p Page) []string {
	slices.SortFunc(zs, func(a, b redis.Z) int {
		ia, _ := uuid.Parse(a.Member.(string))
		ib, _ := uuid.Parse(b.Member.(string))
		return newestFirst(time.UnixMicro(int64(a.Score)), time.UnixMicro(int64(b.Score)), ia, ib)
	})
	var ids []string
	for _, z := range zs {
		id, err := uuid.Parse(z.Member.(string))
		if err == nil && p.After.precedes(time.UnixMicro(int64(z.Score)), id) {
			ids = append(ids, z.Member.(string))
			if len(ids) == p.Limit {
				break
			}
		}
	}
	return ids
}

func (s *redisDocuments) Get(ctx context.Context, id uuid.UUID) (Document, error) {
	return getJSON[Document](ctx, s.rdb, s.k.doc(id))
}

func (s *redisDocuments) ListByOwner(ctx context.Context, owner uuid.UUID, p Page) ([]Document, error) {
	zs, err := s.rdb.ZRevRangeWithScores(ctx, s.k.docsOf(owner), 0, -1).Result()
	if err != nil {
		return nil, err
	}
	out, err := mgetJSON[Document](ctx, s.rdb, string(s.k)+"doc:", pageOf(zs, p))
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b Document) int { return newestFirst(a.CreatedAt, b.CreatedAt, a.ID, b.ID) })
	return out, nil
}

func (s *redisDocuments) Update(ctx context.Context, d Document, q DocumentQuota) error {
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	old, err := s.Get(ctx, d.ID)
	if err != nil {
		return err
	}
	grow := d.Size() - old.Size()
	if q.Bytes > 0 && grow > 0 {
		size, err := s.rdb.Get(ctx, s.k.docBytes(d.OwnerID)).Int64()
		if err != nil && !errors.Is(err, redis.Nil) {
			return err
		}
		if size+grow > q.Bytes {
			return ErrQuota
		}
	}
	ok, err := s.rdb.SetXX(ctx, s.k.doc(d.ID), b, redis.KeepTTL).Result()
	if err != nil {
		return err
	}
	if !ok {
		return ErrNotFound
	}
	return s.rdb.IncrBy(ctx, s.k.docBytes(d.OwnerID), grow).Err()
}

func (s *redisDocuments) Delete(ctx context.Context, id uuid.UUID) error {
	d, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	n, err := s.rdb.Del(ctx, s.k.doc(id)).Result()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, s.k.docsOf(d.OwnerID), id.String())
		p.DecrBy(ctx, s.k.docBytes(d.OwnerID), d.Size())
		return nil
	})
	return err
}

type redisNotifications struct {
	rdb *redis.Client
	k   keys
}

func (s *redisNotifications) Create(ctx context.Context, n Notification, max int) error {
	n.Read = false
	b, err := json.Marshal(n)
	if err != nil {
		return err
	}
	index := s.k.notifsOf(n.UserID)
	if n.Broadcast {
		index = s.k.broadcasts()
	}
	if max > 0 {
		stored, err := s.rdb.ZCard(ctx, index).Result()
		if err != nil {
			return err
		}
		if stored >= int64(max) {
			return ErrQuota
		}
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, s.k.notif(n.ID), b, 0)
		p.ZAdd(ctx, index, redis.Z{Score: score(n.CreatedAt), Member: n.ID.String()})
		return nil
	})
	return err
}

func (s *redisNotifications) ListFor(ctx context.Context, user uuid.UUID, p Page) ([]Notification, error) {
	own, err := s.rdb.ZRevRangeWithScores(ctx, s.k.notifsOf(user), 0, -1).Result()
	if err != nil {
		return nil, err
	}
	all, err := s.rdb.ZRevRangeWithScores(ctx, s.k.broadcasts(), 0, -1).Result()
	if err != nil {
		return nil, err
	}
	out, err := mgetJSON[Notification](ctx, s.rdb, string(s.k)+"notif:", pageOf(append(all, own...), p))
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	cmds, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, n := range out {
			p.SIsMember(ctx, s.k.readers(n.ID), user.String())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i, c := range cmds {
		out[i].Read = c.(*redis.BoolCmd).Val()
	}
	slices.SortFunc(out, func(a, b Notification) int { return newestFirst(a.CreatedAt, b.CreatedAt, a.ID, b.ID) })
	return out, nil
}

func (s *redisNotifications) MarkRead(ctx context.Context, id, user uuid.UUID) (Notification, error) {
	n, err := getJSON[Notification](ctx, s.rdb, s.k.notif(id))
	if err != nil {
		return Notification{}, err
	}
	if !n.Broadcast && n.UserID != user {
		return Notification{}, ErrNotFound
	}
	if err := s.rdb.SAdd(ctx, s.k.readers(id), user.String()).Err(); err != nil {
		return Notification{}, err
	}
	n.Read = true
	return n, nil
}
