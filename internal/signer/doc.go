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

// Package signer implements Huawei Cloud's AK/SK request signing, algorithm
// SDK-HMAC-SHA256, as API Gateway (APIG) checks it, from the public description of
// the algorithm:
//
//	CanonicalRequest = Method \n CanonicalURI \n CanonicalQuery \n
//	                   CanonicalHeaders \n SignedHeaders \n hex(sha256(body))
//	StringToSign     = "SDK-HMAC-SHA256" \n X-Sdk-Date \n hex(sha256(CanonicalRequest))
//	Signature        = hex(HMAC-SHA256(secretKey, StringToSign))
//	Authorization: SDK-HMAC-SHA256 Access={AK}, SignedHeaders={h1;h2}, Signature={hex}
//
// The client half (Signer.Sign) signs outgoing requests. The server half
// (ParseAuthorization, Verify, RequestDate) checks them, so that a local stand-in for
// the cloud can reject what the real gateway would reject.
//
// There is no key derivation: the secret key signs every request directly, so it
// must never be logged. Credentials redacts it in every fmt verb.
package signer
