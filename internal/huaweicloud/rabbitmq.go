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

// rabbitMQAdapter reads DMS for RabbitMQ instance tasks on host dms (see
// dmsTaskShape and kafkaAdapter).
var rabbitMQAdapter = shapeAdapter{host: "dms", needs: dmsTasks, shape: dmsTaskShape, locate: dmsTask}
