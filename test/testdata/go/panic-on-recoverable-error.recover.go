package parser

import "strconv"

type parseError struct{ err error }

// Must NOT trigger: this file recovers panics in Parse, so panic is its error path.
func Parse(s string) (n int, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = r.(parseError).err
		}
	}()
	return number(s), nil
}

func number(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(parseError{err})
	}
	return n
}
