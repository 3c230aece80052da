// Command hello prints hello: the program the tests of proctest build.
package main

import "fmt"

func main() { fmt.Println("hello") }
