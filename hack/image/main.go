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

// Command image builds the operator's container image without a container
// engine (see test/image), and pushes it: make image, make image-push.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/cloudjob-operator/cloudjob-operator/test/image"
)

func main() {
	var o image.Options
	out := flag.String("o", "bin/image", "Directory to write the OCI layout (oci/) and the image tarball (image.tar) to.")
	created := flag.Int64("created", 0, "Timestamp of the image and its files, in Unix seconds: the commit time.")
	flag.StringVar(&o.Binary, "binary", "bin/image/manager", "The statically linked operator binary.")
	flag.StringVar(&o.CACertificates, "ca-certificates", "/etc/ssl/certs/ca-certificates.crt", "PEM bundle of the certificate authorities to trust.")
	flag.StringVar(&o.Reference, "ref", "ghcr.io/cloudjob-operator/cloudjob-operator:dev", "The image's name.")
	flag.StringVar(&o.Version, "version", "dev", "The operator's version, for the OCI labels.")
	flag.StringVar(&o.Revision, "revision", "", "The commit, for the OCI labels.")
	push := flag.Bool("push", false, "Push the image built before (the OCI layout in -o) to -ref instead of building.")
	flag.Parse()
	if *push {
		digest, err := image.Push(filepath.Join(*out, "oci"), o.Reference)
		if err != nil {
			fmt.Fprintln(os.Stderr, "image:", err)
			os.Exit(1)
		}
		fmt.Printf("pushed %s@%s\n", o.Reference, digest)
		return
	}
	o.Created = time.Unix(*created, 0).UTC()
	if *created == 0 {
		fmt.Fprintf(os.Stderr, "image: -created is required: the commit time in Unix seconds (%s)\n", "git log -1 --format=%ct")
		os.Exit(2)
	}
	built, err := image.Build(o, *out)
	if err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
	fmt.Printf("built %s\n  digest %s\n  compressed %.1f MiB, files %.1f MiB\n  OCI layout %s\n  tarball %s (docker load -i, podman load -i, ctr images import)\n",
		o.Reference, built.Digest, mib(built.Size), mib(built.UncompressedSize), built.Layout, built.Tarball)
}

func mib(n int64) float64 { return float64(n) / (1 << 20) }
