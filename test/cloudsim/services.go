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

package cloudsim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// The services the simulator knows. Each answers on its own path and in its
// own body shape, as its row in services says.
const (
	ServiceBMS          Service = "bms"
	ServiceECS          Service = "ecs"
	ServiceEVS          Service = "evs"
	ServiceIMS          Service = "ims"
	ServiceVPC          Service = "vpc"
	ServiceELB          Service = "elb"   // classic ELB, /v1.0/{project_id}/jobs/{job_id}
	ServiceELBv3        Service = "elbv3" // dedicated ELB, /v3/{project_id}/elb/jobs/{job_id}
	ServiceCCE          Service = "cce"
	ServiceCCEAutopilot Service = "cceautopilot"
	ServiceRDS          Service = "rds"
	ServiceTaurusDB     Service = "taurusdb"
	ServiceOpenGauss    Service = "opengauss"
	ServiceDDS          Service = "dds"
	ServiceGeminiDB     Service = "geminidb"
	ServiceDDM          Service = "ddm"
	ServiceDCS          Service = "dcs"
	ServiceKafka        Service = "kafka"
	ServiceRabbitMQ     Service = "rabbitmq"
	ServiceRocketMQ     Service = "rocketmq"
	ServiceSFSTurbo     Service = "sfsturbo"
	ServiceDWS          Service = "dws"
	ServiceCBR          Service = "cbr"
	ServiceGEIP         Service = "geip"
	ServiceCFW          Service = "cfw"
	ServiceSWR          Service = "swr"
	ServiceCAE          Service = "cae"
	ServiceCSE          Service = "cse"
	ServiceSDRS         Service = "sdrs"
	ServiceDEH          Service = "deh"
	// ServiceBSS serves yearly/monthly orders and the resources they produce,
	// not jobs: see bssBody.
	ServiceBSS Service = "bss"
)

// Services lists every supported service.
var Services = []Service{
	ServiceBMS, ServiceECS, ServiceEVS, ServiceIMS, ServiceVPC, ServiceELB, ServiceELBv3,
	ServiceCCE, ServiceCCEAutopilot, ServiceRDS, ServiceTaurusDB, ServiceOpenGauss, ServiceDDS, ServiceGeminiDB,
	ServiceDDM, ServiceDCS, ServiceKafka, ServiceRabbitMQ, ServiceRocketMQ, ServiceSFSTurbo, ServiceDWS, ServiceCBR,
	ServiceGEIP, ServiceCFW, ServiceSWR, ServiceCAE, ServiceCSE, ServiceSDRS, ServiceDEH, ServiceBSS,
}

// pathStyle is the URL family a service's job endpoint lives in; a job is
// only visible through its own service's style.
type pathStyle int

const (
	styleV1           pathStyle = iota // /v1/{project_id}/jobs/{job_id}
	styleV10                           // /v1.0/{project_id}/jobs/{job_id}
	styleV3ELB                         // /v3/{project_id}/elb/jobs/{job_id}
	styleCCE                           // /api/v3/projects/{project_id}/jobs/{job_id}
	styleAutopilot                     // /autopilot/v3/projects/{project_id}/jobs/{job_id}
	styleV3Query                       // /v3/{project_id}/jobs?id={job_id}
	styleV3                            // /v3/{project_id}/jobs/{job_id}
	styleV2                            // /v2/{project_id}/jobs/{job_id}
	styleDMS                           // /v2/{project_id}/instances/{instance_id}/tasks/{task_id}
	styleSFSTurbo                      // /v1/{project_id}/sfs-turbo/jobs/{job_id}
	styleDWS                           // /v1.0/{project_id}/job/{job_id}
	styleCBR                           // /v3/{project_id}/operation-logs/{id}
	styleGEIP                          // /v3/{domain_id}/geip/jobs/{job_id}
	styleCAE                           // /v1/{project_id}/cae/jobs/{job_id}
	styleCSE                           // /v2/{project_id}/enginemgr/engines/{engine_id}/jobs/{job_id}
	styleBSSOrder                      // /v2/orders/customer-orders/details/{order_id}, X-Domain-Id
	styleBSSResources                  // POST /v2/orders/suscriptions/resources/query {"order_id"}, X-Domain-Id
)

// stateWords spells the lifecycle's states (INIT, RUNNING, SUCCESS, FAIL) the
// way a service does; nil spells them as the v1 APIs do. Other states
// (PENDING_PAYMENT, ROLLBACKING, a scripted finalState) are shown as they are.
type stateWords map[string]string

func (w stateWords) say(state string) string {
	if s, ok := w[state]; ok {
		return s
	}
	return state
}

func words(init, running, success, fail string) stateWords {
	return stateWords{StateInit: init, StateRunning: running, StateSuccess: success, StateFail: fail}
}

// serviceInfo is what differs between the services.
type serviceInfo struct {
	style pathStyle
	// moreStyles are further APIs of the service that answer about the same
	// job (bss: the resources of an order).
	moreStyles     []pathStyle
	defaultJobType string
	render         func(v jobView) object
	// needsInstance and needsEnvironment: the job is found only with its
	// instance id in the path, or its environment in X-Environment-ID.
	needsInstance, needsEnvironment bool
	// notFound is the answer for a job the API does not know; nil is the
	// ECS/EVS answer, HTTP 400 Common.0011.
	notFound func() (int, any)
	// flat names the job object's own fields for the faults that spoil them;
	// nil for shapes those faults leave alone (nested or listed jobs).
	flat *flatJob
}

// flatJob is where a flat job object sits in the body and what its type and
// reason fields are called.
type flatJob struct {
	wrapper, typeKey, reasonKey, beginKey string
	// subJobs is the key of a flat sub-job list inside the job object (or its
	// entities for the v1 shape); "" when the shape has none.
	subJobs string
}

var (
	v1Flat    = &flatJob{typeKey: "job_type", reasonKey: "fail_reason", beginKey: "begin_time", subJobs: "sub_jobs"}
	dbWords   = words("Running", "Running", "Completed", "Failed")
	dmsWords  = words("CREATED", "EXECUTING", "SUCCESS", "FAILED")
	cceWords  = words("Initializing", "Running", "Success", "Failed")
	dmsAnswer = func() (int, any) { return http.StatusOK, object{{"task_count", "0"}, {"tasks", []object{}}} }
)

// notFoundWith is a 404 in the error_code/error_msg form many APIs use.
func notFoundWith(code, msg string) func() (int, any) {
	return func() (int, any) { return http.StatusNotFound, object{{"error_code", code}, {"error_msg", msg}} }
}

// spelling is how the services that do not use the v1 words spell states.
// (It is apart from services because the renderers in that table use it.)
var spelling = map[Service]stateWords{
	ServiceCCE:          cceWords,
	ServiceCCEAutopilot: cceWords,
	ServiceRDS:          dbWords,
	ServiceTaurusDB:     words("Pending", "Running", "Completed", "Failed"),
	ServiceOpenGauss:    dbWords,
	ServiceDDS:          dbWords,
	ServiceGeminiDB:     dbWords,
	ServiceDDM:          dbWords,
	ServiceKafka:        dmsWords,
	ServiceRabbitMQ:     dmsWords,
	ServiceRocketMQ:     dmsWords,
	ServiceSFSTurbo:     words("waiting", "running", "success", "failed"),
	ServiceDWS:          words("INIT", "RUNNING", "SUCCESS", "FAIL"),
	ServiceCBR:          words("waiting", "running", "success", "failed"),
	ServiceCFW:          words("Running", "Running", "Success", "Failed"),
	ServiceSWR:          words("Initializing", "Running", "Success", "Failed"),
	ServiceGEIP:         words("WAIT_TO_SCHEDULE", "RUNNING", "FINISH_SUCC", "FINISH_ROLLBACK_SUCC"),
	ServiceCAE:          words("init", "running", "success", "failed"),
	ServiceCSE:          words("Init", "Executing", "Finished", "Error"),
	// An order's status is a number: 6 pending payment; 3 processing once
	// paid (INIT and RUNNING alike); 5 completed; 4 cancelled.
	ServiceBSS: {StatePendingPayment: "6", StateInit: "3", StateRunning: "3", StateRollingBack: "3", StateSuccess: "5", StateFail: "4"},
}

// services is the table of what each service looks like on the wire.
var services = map[Service]serviceInfo{
	ServiceBMS:   {style: styleV1, defaultJobType: "baremetalBatchCreate", render: jobView.ecsBody, flat: v1Flat},
	ServiceECS:   {style: styleV1, defaultJobType: "createServer", render: jobView.ecsBody, flat: v1Flat},
	ServiceEVS:   {style: styleV1, defaultJobType: "createVolume", render: jobView.evsBody, flat: v1Flat},
	ServiceIMS:   {style: styleV1, defaultJobType: "createImageByInstance", render: jobView.imsBody, flat: v1Flat},
	ServiceVPC:   {style: styleV1, defaultJobType: "createPublicip", render: jobView.ecsBody, flat: v1Flat},
	ServiceELB:   {style: styleV10, defaultJobType: "createELB", render: jobView.elbBody, flat: v1Flat},
	ServiceELBv3: {style: styleV3ELB, defaultJobType: "createLoadbalancer", render: jobView.elbv3Body, flat: &flatJob{wrapper: "job", typeKey: "job_type", reasonKey: "error_msg", beginKey: "begin_time", subJobs: "sub_jobs"}},
	ServiceSDRS:  {style: styleV1, defaultJobType: "createProtectionGroup", render: jobView.ecsBody, flat: v1Flat},
	ServiceDEH:   {style: styleV1, defaultJobType: "allocateDedicatedHost", render: jobView.ecsBody, flat: v1Flat},
	ServiceCCE: {style: styleCCE, defaultJobType: "CreateNodePool", render: jobView.cceBody,
		notFound: notFoundWith("CCE.01404001", "The job does not exist")},
	ServiceCCEAutopilot: {style: styleAutopilot, defaultJobType: "CreateCluster", render: jobView.cceBody,
		notFound: notFoundWith("CCE.01404001", "The job does not exist")},
	ServiceRDS: {style: styleV3Query, defaultJobType: "CreateMysqlSingleHAInstance", render: jobView.dbBody,
		notFound: notFoundWith("DBS.280239", "The job does not exist."), flat: &flatJob{wrapper: "job", typeKey: "name", reasonKey: "fail_reason", beginKey: "created"}},
	ServiceTaurusDB: {style: styleV3Query, defaultJobType: "CreateGaussDBforMySQLInstance",
		render: jobView.dbBody, notFound: notFoundWith("DBS.280239", "The job does not exist."), flat: &flatJob{wrapper: "job", typeKey: "name", reasonKey: "fail_reason", beginKey: "created"}},
	ServiceOpenGauss: {style: styleV3Query, defaultJobType: "CreateGaussDBInstance", render: jobView.dbBody,
		notFound: notFoundWith("DBS.280239", "The job does not exist.")},
	ServiceDDS: {style: styleV3Query, defaultJobType: "Create_MongoDB", render: jobView.dbBody,
		notFound: notFoundWith("DBS.280239", "The job does not exist.")},
	ServiceGeminiDB: {style: styleV3Query, defaultJobType: "CreateCassandra", render: jobView.geminiDBBody,
		notFound: func() (int, any) { return http.StatusOK, object{{"total_count", 0}, {"jobs", []object{}}} }},
	ServiceDDM: {style: styleV3, defaultJobType: "createInstance", render: jobView.dbBody,
		notFound: notFoundWith("DBS.280239", "The job does not exist.")},
	ServiceDCS: {style: styleV2, defaultJobType: "createInstanceJob", render: jobView.dcsBody,
		notFound: notFoundWith("DCS.4800", "The job does not exist."), flat: &flatJob{typeKey: "job_type", reasonKey: "fail_reason", beginKey: "begin_time"}},
	ServiceKafka: {style: styleDMS, defaultJobType: "bindInstancePublicIp", render: jobView.dmsBody,
		needsInstance: true, notFound: dmsAnswer},
	ServiceRabbitMQ: {style: styleDMS, defaultJobType: "extendInstance", render: jobView.dmsBody,
		needsInstance: true, notFound: dmsAnswer},
	ServiceRocketMQ: {style: styleDMS, defaultJobType: "extendInstance", render: jobView.dmsBody,
		needsInstance: true, notFound: dmsAnswer},
	ServiceSFSTurbo: {style: styleSFSTurbo, defaultJobType: "expand_share",
		render: jobView.sfsTurboBody, flat: &flatJob{typeKey: "job_type", reasonKey: "fail_reason", beginKey: "begin_time", subJobs: "sub_jobs"},
		notFound: func() (int, any) {
			return http.StatusNotFound, object{{"errCode", "SFS.TURBO.0002"}, {"errMsg", "job not found"}}
		}},
	ServiceDWS: {style: styleDWS, defaultJobType: "CreateCluster",
		render: jobView.dwsBody, notFound: notFoundWith("DWS.0015", "The job does not exist."),
		flat: &flatJob{typeKey: "job_name", reasonKey: "failed_detail", beginKey: "begin_time"}},
	ServiceCBR: {style: styleCBR, defaultJobType: "backup", render: jobView.cbrBody,
		notFound: notFoundWith("BackupService.6500", "Operation log does not exist.")},
	ServiceGEIP: {style: styleGEIP,
		defaultJobType: "bindGeip", render: jobView.geipBody, notFound: notFoundWith("GEIP.0404", "The job does not exist."),
		flat: &flatJob{wrapper: "job", typeKey: "action", reasonKey: "error_message", beginKey: "start_time"}},
	ServiceCFW: {style: styleV3, defaultJobType: "CreateFirewall", render: jobView.cfwBody,
		notFound: notFoundWith("CFW.00100001", "The job does not exist.")},
	ServiceSWR: {style: styleV2, defaultJobType: "CreateInstance",
		render: jobView.swrBody, notFound: notFoundWith("SWR.0404", "The job does not exist."),
		flat: &flatJob{typeKey: "type", reasonKey: "reason", beginKey: "created_at"}},
	ServiceCAE: {style: styleCAE, defaultJobType: "DeployComponent",
		render: jobView.caeBody, needsEnvironment: true, notFound: notFoundWith("CAE.01500404", "The job does not exist.")},
	ServiceCSE: {style: styleCSE, defaultJobType: "Create",
		render: jobView.cseBody, needsInstance: true, notFound: notFoundWith("SVCSTG.00500404", "The job does not exist.")},
	// The real API's answer for an unknown order is not documented; a 404 in
	// its error form is the simulator's choice.
	ServiceBSS: {style: styleBSSOrder, moreStyles: []pathStyle{styleBSSResources}, defaultJobType: "purchase",
		render: jobView.bssBody, notFound: notFoundWith("CBC.0101", "The order does not exist.")},
}

// emptyAnswers are what APIs that list things answer when they find none,
// whatever service they belong to.
var emptyAnswers = map[pathStyle]func() (int, any){
	styleBSSResources: func() (int, any) { return http.StatusOK, object{{"total_count", 0}, {"data", []object{}}} },
}

// route is a parsed job-API request.
type route struct {
	style         pathStyle
	projectID     string // the project, or for geip and bss the domain
	instanceID    string // DMS instance or CSE engine
	environmentID string // CAE's X-Environment-ID
	jobID         string // or the order id
	// query is the body of a bss resource query; invalid says what is wrong
	// with it, for a 400 answer.
	query   resourceQuery
	invalid string
}

// resourceQuery is the body of POST /v2/orders/suscriptions/resources/query.
type resourceQuery struct {
	OrderID          string `json:"order_id"`
	OnlyMainResource *int   `json:"only_main_resource"`
	Limit            *int   `json:"limit"`
	Offset           *int   `json:"offset"`
}

// check validates a query as the API documents its fields: only_main_resource
// 0 or 1, limit 1-500 (default 10), offset from 0.
func (q *resourceQuery) check() string {
	switch {
	case q.OnlyMainResource != nil && *q.OnlyMainResource != 0 && *q.OnlyMainResource != 1:
		return "only_main_resource must be 0 or 1"
	case q.Limit != nil && (*q.Limit < 1 || *q.Limit > 500):
		return "limit must be 1-500"
	case q.Offset != nil && *q.Offset < 0:
		return "offset must not be negative"
	}
	return ""
}

// routePattern matches a path of segments; "{p}", "{i}" and "{j}" take the
// project (or domain), the instance and the job id.
type routePattern struct {
	style pathStyle
	segs  []string
	// query: the job id is the id query parameter.
	query bool
	// post: the request is a POST whose JSON body names the order (bss);
	// others are GETs.
	post bool
	// domainHeader: the domain is X-Domain-Id (bss, global, no id in the path).
	domainHeader bool
}

var routePatterns = []routePattern{
	{style: styleV1, segs: []string{"v1", "{p}", "jobs", "{j}"}},
	{style: styleV10, segs: []string{"v1.0", "{p}", "jobs", "{j}"}},
	{style: styleV3ELB, segs: []string{"v3", "{p}", "elb", "jobs", "{j}"}},
	{style: styleCCE, segs: []string{"api", "v3", "projects", "{p}", "jobs", "{j}"}},
	{style: styleAutopilot, segs: []string{"autopilot", "v3", "projects", "{p}", "jobs", "{j}"}},
	{style: styleV3Query, segs: []string{"v3", "{p}", "jobs"}, query: true},
	{style: styleV3, segs: []string{"v3", "{p}", "jobs", "{j}"}},
	{style: styleV2, segs: []string{"v2", "{p}", "jobs", "{j}"}},
	{style: styleDMS, segs: []string{"v2", "{p}", "instances", "{i}", "tasks", "{j}"}},
	{style: styleSFSTurbo, segs: []string{"v1", "{p}", "sfs-turbo", "jobs", "{j}"}},
	{style: styleDWS, segs: []string{"v1.0", "{p}", "job", "{j}"}},
	{style: styleCBR, segs: []string{"v3", "{p}", "operation-logs", "{j}"}},
	{style: styleGEIP, segs: []string{"v3", "{p}", "geip", "jobs", "{j}"}},
	{style: styleCAE, segs: []string{"v1", "{p}", "cae", "jobs", "{j}"}},
	{style: styleCSE, segs: []string{"v2", "{p}", "enginemgr", "engines", "{i}", "jobs", "{j}"}},
	{style: styleBSSOrder, segs: []string{"v2", "orders", "customer-orders", "details", "{j}"}, domainHeader: true},
	{style: styleBSSResources, segs: []string{"v2", "orders", "suscriptions", "resources", "query"}, post: true, domainHeader: true},
}

// JobOfRequest names the job a job-API request asks for: its project (or
// domain) and id, as the simulator reads them from the path, the query or
// the headers. A resource query, which names its order in the body, is not
// recognized.
func JobOfRequest(r *http.Request) (projectID, jobID string, ok bool) {
	rt, ok := parseRoute(r, nil)
	return rt.projectID, rt.jobID, ok
}

// parseRoute recognizes the job-API requests of every path style; body is
// the request's body, read by the caller.
func parseRoute(r *http.Request, body []byte) (route, bool) {
	segs := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/"), "/")
	for _, p := range routePatterns {
		if p.post != (r.Method == http.MethodPost) || !p.post && r.Method != http.MethodGet {
			continue
		}
		rt, ok := p.match(segs, r.URL.Query())
		if !ok {
			continue
		}
		rt.environmentID = r.Header.Get("X-Environment-ID")
		if p.domainHeader {
			rt.projectID = r.Header.Get("X-Domain-Id")
		}
		if p.post {
			if body == nil {
				return route{}, false
			}
			if err := json.Unmarshal(body, &rt.query); err != nil {
				rt.invalid = "the body is not a JSON object of the query's fields"
			} else if rt.invalid = rt.query.check(); rt.invalid == "" && rt.query.OrderID == "" {
				rt.invalid = "order_id is required"
			}
			rt.jobID = rt.query.OrderID
		}
		return rt, true
	}
	return route{}, false
}

func (p routePattern) match(segs []string, query url.Values) (route, bool) {
	if len(segs) != len(p.segs) {
		return route{}, false
	}
	rt := route{style: p.style}
	for i, want := range p.segs {
		var dst *string
		switch want {
		case "{p}":
			dst = &rt.projectID
		case "{i}":
			dst = &rt.instanceID
		case "{j}":
			dst = &rt.jobID
		default:
			if segs[i] != want {
				return route{}, false
			}
			continue
		}
		v, err := url.PathUnescape(segs[i])
		if err != nil || v == "" {
			return route{}, false
		}
		*dst = v
	}
	if p.query {
		if ids := query["id"]; len(ids) == 1 && ids[0] != "" {
			rt.jobID = ids[0]
		}
		if rt.jobID == "" {
			return route{}, false
		}
	}
	return rt, true
}

// finds reports whether a request on this route reaches job j: the same path
// style, and the instance and environment the job belongs to.
func (rt route) finds(j *job) bool {
	info := services[j.spec.Service]
	return info.answersOn(rt.style) &&
		(!info.needsInstance || rt.instanceID == j.spec.InstanceID) &&
		(!info.needsEnvironment || rt.environmentID == j.spec.EnvironmentID)
}

func (info serviceInfo) answersOn(style pathStyle) bool {
	return info.style == style || slices.Contains(info.moreStyles, style)
}

// notFoundAnswer is the answer of the first service of a path style for a job
// it does not know. Services sharing a path on different hosts (the database
// family, DCS and SWR) share one listener here, so the style decides.
func notFoundAnswer(style pathStyle) (int, any) {
	if empty, ok := emptyAnswers[style]; ok {
		return empty()
	}
	for _, svc := range Services {
		info := services[svc]
		if info.style != style {
			continue
		}
		if info.notFound != nil {
			return info.notFound()
		}
		break
	}
	return http.StatusBadRequest, serviceError(CodeInvalidJobID, "invalid JobId")
}
