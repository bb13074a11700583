package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"
)

// defaultWasm is -wasm's default (the literal in parseFlags), relative to the current directory.
const defaultWasm = "build/jwt-authn.wasm"

// readModule reads the module at path. When path is the relative default and is missing, it
// also looks next to the emulator's own executable (build/jwt-emulator sits beside
// build/jwt-authn.wasm), and the error says where it looked and how to build.
func readModule(path string) ([]byte, error) {
	bin, err := os.ReadFile(path)
	if err == nil || path != defaultWasm || !errors.Is(err, os.ErrNotExist) {
		if err != nil {
			return nil, fmt.Errorf("read module: %w (build it with `make build-wasm`)", err)
		}
		return bin, nil
	}
	looked := []string{absPath(path)}
	if exe, err := os.Executable(); err == nil {
		beside := filepath.Join(filepath.Dir(exe), filepath.Base(path))
		if bin, err := os.ReadFile(beside); err == nil {
			return bin, nil
		}
		looked = append(looked, beside)
	}
	return nil, fmt.Errorf("no module: -wasm defaults to %s, relative to the current directory; looked for %s. "+
		"Build it with `make build` in the repository root and run the emulator from there, or give -wasm PATH",
		path, strings.Join(looked, " and "))
}

func absPath(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// loadPluginConfig reads the plugin configuration file and returns what is handed to the
// module in proxy_on_configure. JSON (a file starting with '{' or '[', or named .json) is passed
// on byte for byte, after a syntax check that names the line and column of an error. YAML (a
// .yaml or .yml file, or any other file that reads as a YAML mapping) is converted to JSON
// here, in the emulator, as istiod converts a WasmPlugin's pluginConfig: the module itself only
// ever reads JSON. Other text goes to the module unchanged. A whole filter entry (name,
// typed_config) is refused with a hint to give only its typed_config.
func loadPluginConfig(path string) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read plugin configuration: %w", err)
	}
	data, err := configJSON(path, raw)
	if err != nil {
		return nil, fmt.Errorf("plugin configuration %s: %w", path, err)
	}
	if err := checkNotFilterEntry(data); err != nil {
		return nil, fmt.Errorf("plugin configuration %s: %w", path, err)
	}
	return data, nil
}

func configJSON(path string, raw []byte) ([]byte, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 {
		return nil, errors.New("empty file: want the jwt_authn filter's typed_config as JSON (or YAML)")
	}
	ext := strings.ToLower(filepath.Ext(path))
	if ext == ".yaml" || ext == ".yml" {
		out, err := yaml.YAMLToJSON(raw)
		if err != nil {
			return nil, fmt.Errorf("YAML: %v", err)
		}
		return out, nil
	}
	if trimmed[0] == '{' || trimmed[0] == '[' || ext == ".json" {
		if err := jsonSyntax(raw); err != nil {
			return nil, err
		}
		return raw, nil
	}
	// Neither JSON nor named YAML: YAML when it reads as a YAML mapping; anything else goes to
	// the module unchanged (the emulator runs any proxy-wasm module, whose configuration may
	// be plain text).
	if out, err := yaml.YAMLToJSON(raw); err == nil && bytes.HasPrefix(out, []byte("{")) {
		return out, nil
	}
	return raw, nil
}

// jsonSyntax reports the first JSON syntax error with its line and column (1-based).
func jsonSyntax(raw []byte) error {
	var v any
	err := json.Unmarshal(raw, &v)
	var syn *json.SyntaxError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &syn):
		line, col := lineColumn(raw, syn.Offset)
		return fmt.Errorf("JSON syntax error at line %d, column %d: %v", line, col, syn)
	default:
		return fmt.Errorf("not JSON: %v", err)
	}
}

// lineColumn turns a byte offset (encoding/json's: just past the offending byte) into a line
// and a column counted in bytes.
func lineColumn(raw []byte, offset int64) (int, int) {
	if offset > int64(len(raw)) {
		offset = int64(len(raw))
	}
	if offset > 0 {
		offset-- // the offset points just after the byte that broke the syntax
	}
	before := raw[:offset]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(offset) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// checkNotFilterEntry refuses a pasted HTTP filter entry or filter list, which people copy
// from an Envoy or Istio configuration, with the hint to give only the typed_config.
func checkNotFilterEntry(data []byte) error {
	var top any
	if err := json.Unmarshal(data, &top); err != nil {
		return nil // plain text for some other module; the JSON syntax was checked before
	}
	const hint = "give only the value of the jwt_authn filter's typed_config (the object with providers and rules; its \"@type\" may stay)"
	switch t := top.(type) {
	case []any:
		return errors.New("this is a list (an http_filters list?): " + hint)
	case map[string]any:
		_, typed := t["typed_config"]
		_, typedCamel := t["typedConfig"]
		if typed || typedCamel {
			return errors.New("this is a whole HTTP filter entry (name, typed_config): " + hint)
		}
	}
	return nil
}
