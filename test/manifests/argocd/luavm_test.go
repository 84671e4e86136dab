/*
Copyright 2026 The cloudjob-operator Authors.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package argocd

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
)

// The health statuses Argo CD accepts from a health check. It turns any other
// into Unknown.
var validStatuses = map[string]bool{
	"Healthy": true, "Progressing": true, "Degraded": true, "Suspended": true, "Missing": true, "Unknown": true,
}

// health is what a health check returns, as Argo CD reads it.
type health struct {
	Status  string `json:"status"`
	Message string `json:"message"`
}

// runHealthCheck runs a health check the way Argo CD's application controller
// runs one configured in argocd-cm: a fresh interpreter with only the package,
// base and table libraries open (no string, math or io, unless the user sets
// resource.customizations.useOpenLibs), a one-second limit, the object as the
// global obj, and the script's return value read as {status, message}.
// Argo CD also opens a reduced os library; the script needs none, so it is left
// out here and a script that used it would fail this test.
func runHealthCheck(script string, obj map[string]any) (health, error) {
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
	} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			return health{}, fmt.Errorf("opening the Lua library %q: %w", lib.name, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", toLua(l, obj))
	if err := l.DoString(script); err != nil {
		return health{}, err
	}
	tbl, ok := l.Get(-1).(*lua.LTable)
	if !ok {
		return health{}, fmt.Errorf("expect table output from Lua script, not %s", l.Get(-1).Type())
	}
	// Argo CD encodes the table as JSON and decodes that into its HealthStatus,
	// so a status or message that is not a string fails there too.
	var hs health
	for key, field := range map[string]*string{"status": &hs.Status, "message": &hs.Message} {
		switch v := tbl.RawGetString(key).(type) {
		case lua.LString:
			*field = string(v)
		case *lua.LNilType:
		default:
			return health{}, fmt.Errorf("hs.%s is a %s, not a string", key, v.Type())
		}
	}
	if !validStatuses[hs.Status] {
		return health{}, fmt.Errorf("hs.status %q is not a health status Argo CD knows; it would show Unknown", hs.Status)
	}
	return hs, nil
}

// toLua converts a decoded Kubernetes object to Lua values like Argo CD's
// decodeValue: maps become tables keyed by string, arrays 1-based tables, and
// numbers (float64 from YAML or JSON, int64 from unstructured objects) Lua
// numbers. Anything else is nil.
func toLua(l *lua.LState, value any) lua.LValue {
	switch v := value.(type) {
	case bool:
		return lua.LBool(v)
	case float64:
		return lua.LNumber(v)
	case string:
		return lua.LString(v)
	case json.Number:
		return lua.LString(v)
	case int:
		return lua.LNumber(v)
	case int32:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	case []any:
		arr := l.CreateTable(len(v), 0)
		for _, item := range v {
			arr.Append(toLua(l, item))
		}
		return arr
	case map[string]any:
		tbl := l.CreateTable(0, len(v))
		for key, item := range v {
			tbl.RawSetH(lua.LString(key), toLua(l, item))
		}
		return tbl
	}
	return lua.LNil
}

// TestRunnerOpensOnlyArgoCDLibraries guards the emulation itself: a check that
// leans on the string library works in a plain interpreter but fails in Argo CD,
// and must fail here too.
func TestRunnerOpensOnlyArgoCDLibraries(t *testing.T) {
	obj := map[string]any{"status": map[string]any{"phase": "ok"}}
	if _, err := runHealthCheck(`return {status = "Healthy", message = string.upper(obj.status.phase)}`, obj); err == nil {
		t.Error("a script using the string library ran; Argo CD does not open it for argocd-cm checks")
	}
	hs, err := runHealthCheck(`local hs = {} hs.status = "Healthy" hs.message = obj.status.phase .. " " .. #{1, 2} return hs`, obj)
	if err != nil || hs != (health{Status: "Healthy", Message: "ok 2"}) {
		t.Errorf("base Lua: health %+v, error %v", hs, err)
	}
}
