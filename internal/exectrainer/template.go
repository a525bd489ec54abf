package exectrainer

import (
	"errors"
	"fmt"
	"strings"

	"github.com/clc-tools/clc/internal/inputerr"
)

// Placeholder names, in the order they are documented.
var placeholderNames = []string{"lr", "fraction", "n", "seed", "epochs", "batch_size", "trial", "data"}

func isPlaceholder(name string) bool {
	for _, p := range placeholderNames {
		if p == name {
			return true
		}
	}
	return false
}

// segment is a piece of a template: a literal (ph == "") or a placeholder.
type segment struct {
	lit string
	ph  string
}

// template is one argv element (or, in shell mode, the whole command string)
// split into literals and placeholders.
type template []segment

func (t template) uses(name string) bool {
	for _, s := range t {
		if s.ph == name {
			return true
		}
	}
	return false
}

// expand substitutes the values; quote, when non-nil, is applied to each
// substituted value (never to literals).
func (t template) expand(vals map[string]string, quote func(string) string) string {
	var b strings.Builder
	for _, s := range t {
		if s.ph == "" {
			b.WriteString(s.lit)
			continue
		}
		v := vals[s.ph]
		if quote != nil {
			v = quote(v)
		}
		b.WriteString(v)
	}
	return b.String()
}

func isIdentStart(c byte) bool {
	return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z'
}

func isIdent(c byte) bool { return isIdentStart(c) || '0' <= c && c <= '9' }

// parseTemplate splits s into literals and placeholders. A placeholder is
// {name} with name an identifier ([A-Za-z_][A-Za-z0-9_]*); any other brace is
// literal, and so is ${name} (a shell variable). An identifier in braces that
// is not a known placeholder is an input error naming param (the setting
// that holds the command).
func parseTemplate(s string, param inputerr.Param) (template, error) {
	var t template
	lit := 0
	for i := 0; i < len(s); i++ {
		if s[i] != '{' || (i > 0 && s[i-1] == '$') {
			continue
		}
		j := i + 1
		if j >= len(s) || !isIdentStart(s[j]) {
			continue
		}
		for j < len(s) && isIdent(s[j]) {
			j++
		}
		if j >= len(s) || s[j] != '}' {
			continue
		}
		name := s[i+1 : j]
		if !isPlaceholder(name) {
			return nil, inputerr.New("%v: unknown placeholder {%s}", param, name).
				WithHint("known placeholders: {%s}; write ${%s} for a shell variable with %v", strings.Join(placeholderNames, "}, {"), name, paramExecShell)
		}
		if lit < i {
			t = append(t, segment{lit: s[lit:i]})
		}
		t = append(t, segment{ph: name})
		lit = j + 1
		i = j
	}
	if lit < len(s) {
		t = append(t, segment{lit: s[lit:]})
	}
	return t, nil
}

var errEmpty = errors.New("empty command")

// splitArgs splits a command line into words the way a POSIX shell does for
// quoting only: words are separated by unquoted blanks; 'single quotes' keep
// everything literally; "double quotes" keep everything except that a
// backslash escapes $, `, ", \ and newline; an unquoted backslash escapes the
// next character (a backslash-newline is removed). There is no globbing, no
// variable or command substitution, and no operators: ; | & $( ) are ordinary
// characters.
func splitArgs(s string) ([]string, error) {
	var (
		args  []string
		cur   strings.Builder
		inArg bool
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			if inArg {
				args = append(args, cur.String())
				cur.Reset()
				inArg = false
			}
		case c == '\\':
			if i+1 >= len(s) {
				return nil, fmt.Errorf("trailing backslash")
			}
			i++
			if s[i] != '\n' {
				cur.WriteByte(s[i])
				inArg = true
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unterminated single quote at column %d", i+1)
			}
			cur.WriteString(s[i+1 : i+1+j])
			inArg = true
			i += j + 1
		case c == '"':
			start := i
			inArg = true
			for i++; ; i++ {
				if i >= len(s) {
					return nil, fmt.Errorf("unterminated double quote at column %d", start+1)
				}
				if s[i] == '"' {
					break
				}
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("$`\"\\\n", s[i+1]) >= 0 {
					i++
					if s[i] != '\n' {
						cur.WriteByte(s[i])
					}
					continue
				}
				cur.WriteByte(s[i])
			}
		default:
			cur.WriteByte(c)
			inArg = true
		}
	}
	if inArg {
		args = append(args, cur.String())
	}
	if len(args) == 0 {
		return nil, errEmpty
	}
	return args, nil
}

// shellQuote quotes v for sh: unchanged when it consists only of characters
// that are never special to the shell, else in single quotes (a single quote
// inside becomes '\”).
func shellQuote(v string) string {
	if v != "" && strings.Trim(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_+-.,/:@%=") == "" {
		return v
	}
	return "'" + strings.ReplaceAll(v, "'", `'\''`) + "'"
}
