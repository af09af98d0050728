// A small S3 client on aws-sdk-go-v2 (Debian's golang-github-aws-aws-sdk-go-v2-dev), driven by
// third-party-clients.test.ts: one operation per run, credentials and proxy as the README says
// (AWS_PROFILE with credential_process and ca_bundle, HTTPS_PROXY). Built offline in GOPATH mode.
//
//	go-s3 mb BUCKET | rb BUCKET | put BUCKET KEY FILE | ls BUCKET PREFIX | get BUCKET KEY FILE | rm BUCKET KEY...
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
)

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

func main() {
	ctx := context.Background()
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		fail(err)
	}
	client := s3.NewFromConfig(cfg)
	args := os.Args[1:]
	switch args[0] {
	case "mb":
		_, err = client.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(args[1])})
	case "rb":
		_, err = client.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(args[1])})
	case "put":
		// The upload manager: a file over PartSize goes up in parts.
		file, openErr := os.Open(args[3])
		if openErr != nil {
			fail(openErr)
		}
		defer file.Close()
		uploader := manager.NewUploader(client, func(u *manager.Uploader) { u.PartSize = 5 * 1024 * 1024 })
		_, err = uploader.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String(args[1]), Key: aws.String(args[2]), Body: file})
	case "ls":
		var out *s3.ListObjectsV2Output
		out, err = client.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(args[1]), Prefix: aws.String(args[2])})
		if err == nil {
			for _, object := range out.Contents {
				fmt.Printf("%d %s\n", object.Size, aws.ToString(object.Key))
			}
		}
	case "get":
		file, createErr := os.Create(args[3])
		if createErr != nil {
			fail(createErr)
		}
		defer file.Close()
		downloader := manager.NewDownloader(client, func(d *manager.Downloader) { d.PartSize = 5 * 1024 * 1024 })
		_, err = downloader.Download(ctx, file, &s3.GetObjectInput{Bucket: aws.String(args[1]), Key: aws.String(args[2])})
	case "rm":
		objects := []types.ObjectIdentifier{}
		for _, key := range args[2:] {
			objects = append(objects, types.ObjectIdentifier{Key: aws.String(key)})
		}
		_, err = client.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(args[1]), Delete: &types.Delete{Objects: objects}})
	default:
		err = fmt.Errorf("unknown operation %q", args[0])
	}
	if err != nil {
		fail(err)
	}
}
