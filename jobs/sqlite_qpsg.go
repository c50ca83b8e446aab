package jobs

import (
	"encoding/binary"
	"errors"
	"reflect"
	"unsafe"

	"modernc.org/libc"
	sqlite3 "modernc.org/sqlite/lib"
)

// SQLite re-plans a prepared statement at its next step when a value
// bound to it may have shaped its plan (sqlite3_prepare_v2: the planner
// looked at the value, for a LIKE pattern, a partial index or STAT4), as
// if the schema had changed. River's fetch (JobGetAvailable) is such a
// statement on SQLite: with the statement cache (sqlite_stmtcache.go) it
// was still parsed and planned again at every fetch, 16 to 21 % of the
// engine's CPU in BenchmarkEngine (docs/PERFORMANCE.md, jobs). The query
// planner stability guarantee (SQLITE_DBCONFIG_ENABLE_QPSG) makes the
// planner ignore bound values, so a prepared statement keeps its plan.
// Our and River's statements look rows up by key; none relies on a bound
// value for its plan (no LIKE ?, no ANALYZE statistics).
//
// modernc.org/sqlite calls sqlite3_db_config only for the options its DSN
// knows, and QPSG is not one of them, so enableQPSG reads the handle from
// its connection (fields db and tls of its unexported conn). If a new
// version of the driver changes them, enableQPSG returns an error, the
// connection works on without the guarantee, and TestSQLiteQPSG fails.
func enableQPSG(c any) error {
	v := reflect.ValueOf(c)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return errors.New("sqlite connection is not a pointer to a struct")
	}
	db, tls := v.Elem().FieldByName("db"), v.Elem().FieldByName("tls")
	if !db.IsValid() || db.Kind() != reflect.Uintptr || !tls.IsValid() || tls.Type() != reflect.TypeFor[*libc.TLS]() {
		return errors.New("sqlite connection has no db uintptr and tls *libc.TLS fields")
	}
	t := (*libc.TLS)(unsafe.Pointer(tls.Pointer()))
	if t == nil || db.Uint() == 0 {
		return errors.New("sqlite connection not open")
	}
	return dbConfig(t, uintptr(db.Uint()), sqlite3.SQLITE_DBCONFIG_ENABLE_QPSG, 1, nil)
}

// dbConfig is sqlite3_db_config(db, op, onoff, res) for a boolean option;
// res, if not nil, receives the value after the call (onoff -1 only reads
// it). The variadic arguments go as modernc's driver passes them: one
// 8-byte slot each.
func dbConfig(t *libc.TLS, db uintptr, op, onoff int32, res *int32) error {
	bp := libc.Xmalloc(t, 16)
	if bp == 0 {
		return errors.New("sqlite: out of memory")
	}
	defer libc.Xfree(t, bp)
	var out uintptr
	if res != nil {
		out = libc.Xmalloc(t, 4)
		if out == 0 {
			return errors.New("sqlite: out of memory")
		}
		defer libc.Xfree(t, out)
	}
	if rc := sqlite3.Xsqlite3_db_config(t, db, op, libc.VaList(bp, onoff, out)); rc != sqlite3.SQLITE_OK {
		return errors.New("sqlite3_db_config failed")
	}
	if res != nil {
		b := libc.GoBytes(out, 4)
		*res = int32(binary.NativeEndian.Uint32(b))
	}
	return nil
}

// qpsgEnabled reads the connection's QPSG setting, for tests.
func qpsgEnabled(c any) (bool, error) {
	v := reflect.ValueOf(c).Elem()
	t := (*libc.TLS)(unsafe.Pointer(v.FieldByName("tls").Pointer()))
	var res int32
	err := dbConfig(t, uintptr(v.FieldByName("db").Uint()), sqlite3.SQLITE_DBCONFIG_ENABLE_QPSG, -1, &res)
	return res == 1, err
}
