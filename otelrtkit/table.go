package otelrtkit

import (
	"sync"
	"sync/atomic"
)

// table is a map read on every event without a lock: readers load an
// immutable map through an atomic pointer; a writer (once per new key)
// copies it under a mutex. Its keys are few and bounded (namespaces,
// declared event names, result codes), so that copying stays cheap; a
// sync.Map costs several times more per read for the interface hashing
// of its keys.
type table[K comparable, V any] struct {
	m  atomic.Pointer[map[K]V]
	mu sync.Mutex
}

// load returns the value of k, if any.
func (t *table[K, V]) load(k K) (V, bool) {
	if m := t.m.Load(); m != nil {
		v, ok := (*m)[k]
		return v, ok
	}
	var zero V
	return zero, false
}

// add returns the value of k, storing build() first when there is none.
func (t *table[K, V]) add(k K, build func() V) V {
	t.mu.Lock()
	defer t.mu.Unlock()
	old := t.m.Load()
	if old != nil {
		if v, ok := (*old)[k]; ok {
			return v
		}
	}
	m := make(map[K]V, 1+lenOf(old))
	if old != nil {
		for k, v := range *old {
			m[k] = v
		}
	}
	v := build()
	m[k] = v
	t.m.Store(&m)
	return v
}

// each calls fn for every value.
func (t *table[K, V]) each(fn func(V)) {
	if m := t.m.Load(); m != nil {
		for _, v := range *m {
			fn(v)
		}
	}
}

func lenOf[K comparable, V any](m *map[K]V) int {
	if m == nil {
		return 0
	}
	return len(*m)
}
