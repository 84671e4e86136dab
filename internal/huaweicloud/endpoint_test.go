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

package huaweicloud

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestDefaultEndpoint(t *testing.T) {
	tests := []struct{ service, region, domain, want string }{
		{"ecs", "cn-north-4", "", "https://ecs.cn-north-4.myhuaweicloud.com"},
		{"bms", "eu-de", "otc.t-systems.com", "https://bms.eu-de.otc.t-systems.com"},
		{"evs", "eu-ch2", "sc.otc.t-systems.com", "https://evs.eu-ch2.sc.otc.t-systems.com"},
		{"elb", "eu-west-0", "prod-cloud-ocb.orange-business.com", "https://elb.eu-west-0.prod-cloud-ocb.orange-business.com"},
		{"elbv3", "ae-ad-1", "g42cloud.com", "https://elb.ae-ad-1.g42cloud.com"},
		{"ims", "eu-west-101", "myhuaweicloud.eu", "https://ims.eu-west-101.myhuaweicloud.eu"},
		{"vpc", "ap-southeast-1", "", "https://vpc.ap-southeast-1.myhuaweicloud.com"},
		// Global services take no region.
		{"geip", "", "", "https://geip.myhuaweicloud.com"},
		{"bss", "", "", "https://bss.myhuaweicloud.com"},
		{"bss", "cn-north-4", "", "https://bss.myhuaweicloud.com"},
	}
	for _, tt := range tests {
		got := DefaultEndpoint(tt.service, tt.region, tt.domain)
		if got != tt.want {
			t.Errorf("DefaultEndpoint(%q, %q, %q) = %q, want %q", tt.service, tt.region, tt.domain, got, tt.want)
		}
		// Every default endpoint passes the host check under its own domain.
		domain := tt.domain
		if domain == "" {
			domain = DefaultDomain
		}
		if err := HostAllowed(got, []string{domain}, false); err != nil {
			t.Errorf("HostAllowed(%q): %v", got, err)
		}
	}
}

func TestKnownClouds(t *testing.T) {
	want := []string{"myhuaweicloud.com", "myhuaweicloud.eu", "otc.t-systems.com", "sc.otc.t-systems.com",
		"prod-cloud-ocb.orange-business.com", "g42cloud.com"}
	if got := KnownDomains(); !slices.Equal(got, want) {
		t.Errorf("KnownDomains() = %v, want %v", got, want)
	}
	c := Clouds()
	c[0].Regions[0] = "changed"
	c[0].Domain = "changed"
	if Clouds()[0].Regions[0] == "changed" || Clouds()[0].Domain == "changed" {
		t.Error("Clouds() returns the package's own slice")
	}
	for _, cloud := range Clouds() {
		if cloud.Name == "" || len(cloud.Regions) == 0 || !validHostName(cloud.Domain) {
			t.Errorf("incomplete cloud entry %+v", cloud)
		}
	}
}

func TestHostAllowed(t *testing.T) {
	domains := []string{"myhuaweicloud.com", "OTC.T-Systems.com", "", "."}
	tests := []struct {
		endpoint string
		loopback bool
		ok       bool
		why      string // part of the error
	}{
		{"https://ecs.cn-north-4.myhuaweicloud.com", false, true, ""},
		{"https://ECS.CN-NORTH-4.MYHUAWEICLOUD.COM", false, true, ""},
		{"https://myhuaweicloud.com", false, true, ""},
		{"https://ecs.eu-de.otc.t-systems.com:443/", false, true, ""},
		{"https://bms.eu-de.otc.t-systems.com/base/path", false, true, ""},
		{"https://ecs.cn-north-4.myhuaweicloud.com.evil.io", false, false, "not under an allowed domain"},
		{"https://evilmyhuaweicloud.com", false, false, "not under an allowed domain"},
		{"https://myhuaweicloud.co", false, false, "not under an allowed domain"},
		{"https://ecs.cn-north-4.myhuaweicloud.com.", false, false, "not a plain DNS name"},
		{"https://ecs..myhuaweicloud.com", false, false, "not a plain DNS name"},
		{"https://ec_s.myhuaweicloud.com", false, false, "not a plain DNS name"},
		{"https://-ecs.myhuaweicloud.com", false, false, "not a plain DNS name"},
		{"https://ecs.myhuaweicloud%2ecom", false, false, "not"},
		{"https://écs.myhuaweicloud.com", false, false, "not a plain DNS name"},
		{"http://ecs.cn-north-4.myhuaweicloud.com", false, false, "https"},
		{"http://ecs.cn-north-4.myhuaweicloud.com", true, false, "https"},
		{"ftp://ecs.cn-north-4.myhuaweicloud.com", false, false, "http(s)"},
		{"ecs.cn-north-4.myhuaweicloud.com", false, false, "http(s)"},
		{"//ecs.cn-north-4.myhuaweicloud.com", false, false, "http(s)"},
		{"https://", false, false, "no host"},
		{"https:ecs.myhuaweicloud.com", false, false, "no host"},
		{"https://user:pw@ecs.cn-north-4.myhuaweicloud.com", false, false, "user info"},
		{"https://ecs.cn-north-4.myhuaweicloud.com@evil.io", false, false, "user info"},
		{"https://ecs.cn-north-4.myhuaweicloud.com?x=1", false, false, "query"},
		{"https://ecs.cn-north-4.myhuaweicloud.com?", false, false, "query"},
		{"https://ecs.cn-north-4.myhuaweicloud.com#frag", false, false, "fragment"},
		{"https://ecs.cn-north-4.myhuaweicloud.com:0", false, false, "port"},
		{"https://ecs.cn-north-4.myhuaweicloud.com:70000", false, false, "port"},
		{"https://169.254.169.254", false, false, "IP address"},
		{"https://169.254.169.254", true, false, "IP address"},
		{"https://10.0.0.1", true, false, "IP address"},
		{"https://[fe80::1%25eth0]", true, false, "IP address"},
		{"https://[::ffff:169.254.169.254]", true, false, "IP address"},
		{"https://127.0.0.1", false, false, "IP address"},
		{"http://localhost:8080", false, false, "https"},
		{"http://localhost:8080", true, true, ""},
		{"https://LOCALHOST", true, true, ""},
		{"http://127.0.0.1:9443", true, true, ""},
		{"http://127.1.2.3", true, true, ""},
		{"http://[::1]:8443", true, true, ""},
		{"http://localhost.myhuaweicloud.com", true, false, "https"},
		{"http://foo.localhost", true, false, "https"},
		{"http://2130706433", true, false, "https"},
		{"https://2130706433", true, false, "not under an allowed domain"},
		{"https://0x7f.0.0.1", true, false, "not"},
	}
	for _, tt := range tests {
		err := HostAllowed(tt.endpoint, domains, tt.loopback)
		if tt.ok {
			if err != nil {
				t.Errorf("HostAllowed(%q, loopback=%v) = %v, want nil", tt.endpoint, tt.loopback, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("HostAllowed(%q, loopback=%v) = nil, want an error", tt.endpoint, tt.loopback)
			continue
		}
		if !errors.Is(err, ErrEndpointNotAllowed) || !strings.Contains(err.Error(), tt.why) {
			t.Errorf("HostAllowed(%q) = %v, want ErrEndpointNotAllowed mentioning %q", tt.endpoint, err, tt.why)
		}
		// The message says what would be allowed, and never repeats a password.
		if !strings.Contains(err.Error(), "allowed are https URLs under myhuaweicloud.com") || strings.Contains(err.Error(), "pw@") {
			t.Errorf("HostAllowed(%q) message %q", tt.endpoint, err)
		}
		if tt.loopback != strings.Contains(err.Error(), "localhost") && !strings.Contains(tt.endpoint, "localhost") {
			t.Errorf("HostAllowed(%q, loopback=%v) message %q misstates the loopback rule", tt.endpoint, tt.loopback, err)
		}
	}
}

func TestHostAllowedWithoutDomains(t *testing.T) {
	err := HostAllowed("https://ecs.cn-north-4.myhuaweicloud.com", nil, false)
	if err == nil || !strings.Contains(err.Error(), "none configured") {
		t.Errorf("HostAllowed with no domains = %v", err)
	}
	if err := HostAllowed("http://127.0.0.1:1", nil, true); err != nil {
		t.Errorf("loopback with no domains: %v", err)
	}
}
