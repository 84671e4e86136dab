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
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// DefaultDomain is Huawei Cloud's API domain.
const DefaultDomain = "myhuaweicloud.com"

// Cloud is a cloud that serves Huawei Cloud's job APIs under its own domain.
type Cloud struct {
	// Name is the cloud's name.
	Name string
	// Domain is the API domain: endpoints are https://{service}.{region}.{Domain}.
	Domain string
	// Regions are examples of its regions, for documentation.
	Regions []string
}

// clouds are the known clouds and their API domains, for documentation and as
// the default list of domains the operator may call.
var clouds = []Cloud{
	{Name: "Huawei Cloud", Domain: "myhuaweicloud.com", Regions: []string{"cn-north-4", "ap-southeast-1", "la-south-2"}},
	{Name: "Huawei Cloud (some eu-west-101 services)", Domain: "myhuaweicloud.eu", Regions: []string{"eu-west-101"}},
	{Name: "Open Telekom Cloud", Domain: "otc.t-systems.com", Regions: []string{"eu-de", "eu-nl"}},
	{Name: "Open Telekom Cloud Swiss", Domain: "sc.otc.t-systems.com", Regions: []string{"eu-ch2"}},
	{Name: "Orange Flexible Engine", Domain: "prod-cloud-ocb.orange-business.com", Regions: []string{"eu-west-0", "eu-west-1"}},
	{Name: "G42 Cloud", Domain: "g42cloud.com", Regions: []string{"ae-ad-1"}},
}

// Clouds lists the known clouds. The result is a copy.
func Clouds() []Cloud {
	out := make([]Cloud, len(clouds))
	for i, c := range clouds {
		c.Regions = slices.Clone(c.Regions)
		out[i] = c
	}
	return out
}

// KnownDomains lists the API domains of the known clouds, in the order of Clouds.
// sc.otc.t-systems.com is covered by otc.t-systems.com but listed for clarity.
func KnownDomains() []string {
	out := make([]string, len(clouds))
	for i, c := range clouds {
		out[i] = c.Domain
	}
	return out
}

// DefaultEndpoint is https://{host}.{region}.{domain} for a service (for a global
// service, whose jobs belong to the account, https://{host}.{domain}), with domain
// DefaultDomain when empty. The host is the service's own (elbv3 shares elb's);
// a service without an adapter is used as its own host name.
func DefaultEndpoint(service, region, domain string) string {
	if domain == "" {
		domain = DefaultDomain
	}
	host := service
	if a, ok := AdapterFor(Service(service)); ok {
		host = a.Host()
		if a.Needs().Domain {
			return "https://" + host + "." + domain // a global service
		}
	}
	return "https://" + host + "." + region + "." + domain
}

// ErrEndpointNotAllowed is wrapped by every HostAllowed error.
var ErrEndpointNotAllowed = errors.New("endpoint not allowed")

// HostAllowed checks that an endpoint may receive signed requests: an https URL
// whose host is one of domains or a subdomain of one (compared without regard to
// case), or, when allowLoopback, a loopback host (localhost, 127.0.0.0/8, ::1),
// which may also use plain http. IP literals other than loopback are refused, so
// are user info, queries, fragments, hosts ending in a dot and names with
// characters outside letters, digits, '-' and '.': every form that could make the
// host mean something other than it seems.
func HostAllowed(endpoint string, domains []string, allowLoopback bool) error {
	u, err := url.Parse(endpoint)
	if err != nil {
		return notAllowed("it is not a URL", domains, allowLoopback)
	}
	if err := checkEndpointURL(u); err != nil {
		return notAllowed(err.Error(), domains, allowLoopback)
	}
	host := strings.ToLower(u.Hostname())
	if allowLoopback && isLoopback(host) {
		return nil
	}
	if u.Scheme != "https" {
		return notAllowed("it does not use https", domains, allowLoopback)
	}
	if net.ParseIP(host) != nil || strings.Contains(host, ":") {
		return notAllowed(fmt.Sprintf("host %s is an IP address", host), domains, allowLoopback)
	}
	if !validHostName(host) {
		return notAllowed(fmt.Sprintf("host %q is not a plain DNS name", host), domains, allowLoopback)
	}
	for _, d := range domains {
		d = strings.ToLower(strings.Trim(strings.TrimSpace(d), "."))
		if d == "" {
			continue // an empty domain would allow every host
		}
		if host == d || strings.HasSuffix(host, "."+d) {
			return nil
		}
	}
	return notAllowed(fmt.Sprintf("host %s is not under an allowed domain", host), domains, allowLoopback)
}

func notAllowed(why string, domains []string, allowLoopback bool) error {
	allowed := "https URLs under " + strings.Join(domains, ", ")
	if len(domains) == 0 {
		allowed = "no cloud domains (none configured)"
	}
	if allowLoopback {
		allowed += "; http or https on localhost, 127.0.0.0/8 or [::1]"
	}
	return fmt.Errorf("%w: %s; allowed are %s", ErrEndpointNotAllowed, why, allowed)
}

// checkEndpointURL refuses URLs that are not a plain absolute base URL. It never
// repeats the URL, which could hold a password in its user info.
func checkEndpointURL(u *url.URL) error {
	switch {
	case u.Scheme != "https" && u.Scheme != "http":
		return errors.New("it is not an http(s) URL")
	case u.Opaque != "" || u.Host == "":
		return errors.New("it has no host")
	case u.User != nil:
		return errors.New("it contains user info")
	case u.RawQuery != "" || u.ForceQuery:
		return errors.New("it contains a query")
	case u.Fragment != "" || u.RawFragment != "":
		return errors.New("it contains a fragment")
	}
	if port := u.Port(); port != "" {
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return errors.New("its port is out of range")
		}
	}
	return nil
}

// isLoopback reports whether host is localhost or a loopback IP literal.
func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// validHostName accepts DNS names of letters, digits and '-' in dot-separated
// labels of 1-63 characters, at most 253 in all, not starting or ending a label
// with '-'. Trailing dots, empty labels and escapes are refused.
func validHostName(host string) bool {
	if host == "" || len(host) > 253 {
		return false
	}
	for _, label := range strings.Split(host, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for i := 0; i < len(label); i++ {
			if !isLabelByte(label[i]) {
				return false
			}
		}
	}
	return true
}

// isLabelByte reports whether c may appear in a lower-case DNS label.
func isLabelByte(c byte) bool {
	return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-'
}

// HostKey names the server an endpoint reaches, the same however the endpoint
// is spelled: the lower-case host with the port only when it is not the
// scheme's default, and no path. https://BMS.example.com:443/ and
// https://bms.example.com have the same key.
func HostKey(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return strings.ToLower(endpoint)
	}
	host, port := strings.ToLower(strings.TrimSuffix(u.Hostname(), ".")), u.Port()
	if port == "" || (u.Scheme == "https" && port == "443") || (u.Scheme == "http" && port == "80") {
		return host
	}
	return net.JoinHostPort(host, port)
}
