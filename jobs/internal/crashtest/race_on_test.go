//go:build race

package main

// raceBuild: the children are built without the race detector, which
// would make each of them several times slower (SQLite is C translated to
// Go) and teaches nothing about this test.
const raceBuild = true
