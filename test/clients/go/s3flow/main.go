// Command s3flow drives the gateway with the two Go S3 clients Debian packages: the AWS SDK for Go
// v2 (service/s3 1.29, feature/s3/manager) and minio-go v7 (7.0.46). test/clients/go-sdk.test.ts
// builds it in GOPATH mode against /usr/share/gocode and asserts each step it prints.
//
// Usage: s3flow PARAMS.json. Every step prints one JSON line {"step", "ok", "error"?, facts...};
// a failed step does not stop the ones after it (each uses its own keys).
package main

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/feature/s3/manager"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/smithy-go"
	"github.com/minio/minio-go/v7"
	mcreds "github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/tags"
)

type params struct {
	Endpoint  string `json:"endpoint"` // http://127.0.0.1:PORT
	AccessKey string `json:"access_key"`
	SecretKey string `json:"secret_key"`
	Workdir   string `json:"workdir"`
}

type facts map[string]any

func step(name string, f func() (facts, error)) {
	out := facts{}
	func() {
		defer func() {
			if r := recover(); r != nil {
				out = facts{"ok": false, "error": fmt.Sprint(r), "trace": string(debug.Stack())}
			}
		}()
		got, err := f()
		if err != nil {
			out = facts{"ok": false, "error": err.Error()}
			return
		}
		for k, v := range got {
			out[k] = v
		}
		out["ok"] = true
	}()
	out["step"] = name
	line, _ := json.Marshal(out)
	fmt.Println(string(line))
}

// pattern is deterministic test data: no repeats inside a part, so dedup cannot hide a lost byte.
func pattern(n int, seed byte) []byte {
	b := make([]byte, n)
	x := uint32(seed)*2654435761 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

func sum(b []byte) string { s := sha256.Sum256(b); return hex.EncodeToString(s[:]) }
func md5hex(b []byte) string {
	s := md5.Sum(b)
	return hex.EncodeToString(s[:])
}

// onlyReader hides Seek, as a pipe or a network stream does.
type onlyReader struct{ r io.Reader }

func (o onlyReader) Read(p []byte) (int, error) { return o.r.Read(p) }

// apiCode is the S3 error code a smithy error carries, or "".
func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

func httpDo(method, u string, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	return res.StatusCode, b, err
}

const MiB = 1 << 20

func main() {
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		panic(err)
	}
	var p params
	if err := json.Unmarshal(raw, &p); err != nil {
		panic(err)
	}
	ctx := context.Background()
	awsFlow(ctx, p)
	minioFlow(ctx, p)
}

func awsFlow(ctx context.Context, p params) {
	const b = "go-v2"
	opts := s3.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider(p.AccessKey, p.SecretKey, ""),
		UsePathStyle:     true,
		EndpointResolver: s3.EndpointResolverFromURL(p.Endpoint),
		RetryMaxAttempts: 1,
	}
	c := s3.New(opts)

	step("sdk CreateBucket, again (BucketAlreadyOwnedByYou), HeadBucket of a missing bucket", func() (facts, error) {
		if _, err := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)}); err != nil {
			return nil, err
		}
		_, again := c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: aws.String(b)})
		var owned *types.BucketAlreadyOwnedByYou
		_, missing := c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("go-v2-missing")})
		var nf *types.NotFound
		return facts{"again_typed": errors.As(again, &owned), "again_code": apiCode(again), "missing_typed": errors.As(missing, &nf)}, nil
	})

	small := pattern(1000, 1)
	step("sdk PutObject (seekable body: signed payload), HeadObject, GetObject", func() (facts, error) {
		put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("dir/small é.bin"), Body: bytes.NewReader(small),
			ContentType: aws.String("application/x-test"), Metadata: map[string]string{"color": "blue"}})
		if err != nil {
			return nil, err
		}
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("dir/small é.bin")})
		if err != nil {
			return nil, err
		}
		get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("dir/small é.bin")})
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(get.Body)
		get.Body.Close()
		if err != nil {
			return nil, err
		}
		return facts{"etag": aws.ToString(put.ETag), "md5": md5hex(small), "length": head.ContentLength, "type": aws.ToString(head.ContentType),
			"meta": head.Metadata, "same": bytes.Equal(body, small)}, nil
	})

	step("sdk PutObject ChecksumAlgorithm CRC32 and SHA256, GetObject ChecksumMode ENABLED (the SDK validates)", func() (facts, error) {
		out := facts{}
		for _, alg := range []types.ChecksumAlgorithm{types.ChecksumAlgorithmCrc32, types.ChecksumAlgorithmSha256} {
			key := "sum-" + string(alg)
			put, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(key), Body: bytes.NewReader(small), ChecksumAlgorithm: alg})
			if err != nil {
				return nil, err
			}
			get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled})
			if err != nil {
				return nil, err
			}
			body, err := io.ReadAll(get.Body) // a mismatch fails here
			get.Body.Close()
			if err != nil {
				return nil, err
			}
			out[string(alg)] = facts{"put": aws.ToString(put.ChecksumCRC32) + aws.ToString(put.ChecksumSHA256), "get": aws.ToString(get.ChecksumCRC32) + aws.ToString(get.ChecksumSHA256), "same": bytes.Equal(body, small)}
		}
		return out, nil
	})

	step("sdk PutObject of an unseekable body with UNSIGNED-PAYLOAD", func() (facts, error) {
		body := pattern(300*1024, 2)
		_, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("unseekable.bin"), Body: onlyReader{bytes.NewReader(body)}, ContentLength: int64(len(body))},
			s3.WithAPIOptions(v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware))
		if err != nil {
			return nil, err
		}
		get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("unseekable.bin")})
		if err != nil {
			return nil, err
		}
		got, err := io.ReadAll(get.Body)
		get.Body.Close()
		return facts{"same": bytes.Equal(got, body)}, err
	})

	big := pattern(17*MiB+123, 3)
	step("manager.Uploader 17 MiB, 5 MiB parts, concurrency 3", func() (facts, error) {
		up := manager.NewUploader(c, func(u *manager.Uploader) { u.PartSize = 5 * MiB; u.Concurrency = 3 })
		out, err := up.Upload(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("big.bin"), Body: bytes.NewReader(big)})
		if err != nil {
			return nil, err
		}
		return facts{"etag": aws.ToString(out.ETag), "upload_id": out.UploadID, "parts": len(out.CompletedParts)}, nil
	})

	step("manager.Downloader 5 MiB ranged parts, concurrency 3", func() (facts, error) {
		down := manager.NewDownloader(c, func(d *manager.Downloader) { d.PartSize = 5 * MiB; d.Concurrency = 3 })
		buf := manager.NewWriteAtBuffer(nil)
		n, err := down.Download(ctx, buf, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("big.bin")})
		if err != nil {
			return nil, err
		}
		return facts{"bytes": n, "sha256": sum(buf.Bytes()), "want": sum(big)}, nil
	})

	step("sdk GetObject Range bytes=100-199 and PartNumber 2", func() (facts, error) {
		r, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("big.bin"), Range: aws.String("bytes=100-199")})
		if err != nil {
			return nil, err
		}
		got, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		pr, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("big.bin"), PartNumber: 2})
		if err != nil {
			return nil, err
		}
		part, err := io.ReadAll(pr.Body)
		pr.Body.Close()
		return facts{"range_ok": bytes.Equal(got, big[100:200]), "content_range": aws.ToString(r.ContentRange),
			"part_ok": bytes.Equal(part, big[5*MiB:10*MiB]), "parts_count": pr.PartsCount}, err
	})

	step("sdk ListObjectsV2 paginator MaxKeys 10 over 25 keys; delimiter", func() (facts, error) {
		for i := 0; i < 25; i++ {
			if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String(fmt.Sprintf("page/%03d", i)), Body: strings.NewReader("x")}); err != nil {
				return nil, err
			}
		}
		pg := s3.NewListObjectsV2Paginator(c, &s3.ListObjectsV2Input{Bucket: aws.String(b), Prefix: aws.String("page/"), MaxKeys: 10})
		keys := []string{}
		pages := 0
		for pg.HasMorePages() {
			out, err := pg.NextPage(ctx)
			if err != nil {
				return nil, err
			}
			pages++
			for _, o := range out.Contents {
				keys = append(keys, aws.ToString(o.Key))
			}
		}
		d, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b), Delimiter: aws.String("/")})
		if err != nil {
			return nil, err
		}
		prefixes := []string{}
		for _, cp := range d.CommonPrefixes {
			prefixes = append(prefixes, aws.ToString(cp.Prefix))
		}
		top := []string{}
		for _, o := range d.Contents {
			top = append(top, aws.ToString(o.Key))
		}
		return facts{"pages": pages, "keys": keys, "prefixes": prefixes, "top": top}, nil
	})

	step("sdk CopyObject REPLACE, DeleteObjects of 25 keys", func() (facts, error) {
		src := url.PathEscape(b) + "/" + strings.ReplaceAll(url.PathEscape("dir/small é.bin"), "%2F", "/")
		if _, err := c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(b), Key: aws.String("copy.bin"), CopySource: aws.String(src),
			MetadataDirective: types.MetadataDirectiveReplace, Metadata: map[string]string{"color": "red"}}); err != nil {
			return nil, err
		}
		head, err := c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(b), Key: aws.String("copy.bin")})
		if err != nil {
			return nil, err
		}
		ids := []types.ObjectIdentifier{}
		for i := 0; i < 25; i++ {
			ids = append(ids, types.ObjectIdentifier{Key: aws.String(fmt.Sprintf("page/%03d", i))})
		}
		del, err := c.DeleteObjects(ctx, &s3.DeleteObjectsInput{Bucket: aws.String(b), Delete: &types.Delete{Objects: ids}})
		if err != nil {
			return nil, err
		}
		left, err := c.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(b), Prefix: aws.String("page/")})
		if err != nil {
			return nil, err
		}
		return facts{"meta": head.Metadata, "length": head.ContentLength, "deleted": len(del.Deleted), "errors": len(del.Errors), "left": left.KeyCount}, nil
	})

	step("sdk PresignClient GetObject and PutObject URLs fetched with net/http", func() (facts, error) {
		pc := s3.NewPresignClient(c)
		put, err := pc.PresignPutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("presigned.txt")}, s3.WithPresignExpires(5*time.Minute))
		if err != nil {
			return nil, err
		}
		putStatus, _, err := httpDo(put.Method, put.URL, []byte("through a presigned PUT"))
		if err != nil {
			return nil, err
		}
		get, err := pc.PresignGetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("presigned.txt")})
		if err != nil {
			return nil, err
		}
		getStatus, body, err := httpDo(get.Method, get.URL, nil)
		return facts{"put_status": putStatus, "get_status": getStatus, "body": string(body)}, err
	})

	step("sdk multipart by hand: Create, UploadPart x2, ListParts, ListMultipartUploads, Complete; Abort another", func() (facts, error) {
		cr, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mpu.bin")})
		if err != nil {
			return nil, err
		}
		p1, p2 := pattern(5*MiB, 4), pattern(1234, 5)
		parts := []types.CompletedPart{}
		for i, body := range [][]byte{p1, p2} {
			up, err := c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(b), Key: aws.String("mpu.bin"), UploadId: cr.UploadId, PartNumber: int32(i + 1), Body: bytes.NewReader(body)})
			if err != nil {
				return nil, err
			}
			parts = append(parts, types.CompletedPart{ETag: up.ETag, PartNumber: int32(i + 1)})
		}
		lp, err := c.ListParts(ctx, &s3.ListPartsInput{Bucket: aws.String(b), Key: aws.String("mpu.bin"), UploadId: cr.UploadId})
		if err != nil {
			return nil, err
		}
		other, err := c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("aborted.bin")})
		if err != nil {
			return nil, err
		}
		lu, err := c.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(b)})
		if err != nil {
			return nil, err
		}
		uploads := []string{}
		for _, u := range lu.Uploads {
			uploads = append(uploads, aws.ToString(u.Key))
		}
		sort.Strings(uploads)
		if _, err := c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("aborted.bin"), UploadId: other.UploadId}); err != nil {
			return nil, err
		}
		done, err := c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(b), Key: aws.String("mpu.bin"), UploadId: cr.UploadId,
			MultipartUpload: &types.CompletedMultipartUpload{Parts: parts}})
		if err != nil {
			return nil, err
		}
		get, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("mpu.bin")})
		if err != nil {
			return nil, err
		}
		got, err := io.ReadAll(get.Body)
		get.Body.Close()
		return facts{"listed_parts": len(lp.Parts), "uploads": uploads, "etag": aws.ToString(done.ETag), "same": bytes.Equal(got, append(append([]byte{}, p1...), p2...))}, err
	})

	step("sdk versioning: PutBucketVersioning, two versions, ListObjectVersions, GetObject VersionId, delete marker, NoSuchKey", func() (facts, error) {
		if _, err := c.PutBucketVersioning(ctx, &s3.PutBucketVersioningInput{Bucket: aws.String(b), VersioningConfiguration: &types.VersioningConfiguration{Status: types.BucketVersioningStatusEnabled}}); err != nil {
			return nil, err
		}
		v1, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("ver.txt"), Body: strings.NewReader("one")})
		if err != nil {
			return nil, err
		}
		if _, err := c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(b), Key: aws.String("ver.txt"), Body: strings.NewReader("two")}); err != nil {
			return nil, err
		}
		del, err := c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(b), Key: aws.String("ver.txt")})
		if err != nil {
			return nil, err
		}
		lv, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(b), Prefix: aws.String("ver.txt")})
		if err != nil {
			return nil, err
		}
		old, err := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("ver.txt"), VersionId: v1.VersionId})
		if err != nil {
			return nil, err
		}
		oldBody, err := io.ReadAll(old.Body)
		old.Body.Close()
		if err != nil {
			return nil, err
		}
		_, gone := c.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(b), Key: aws.String("ver.txt")})
		var nsk *types.NoSuchKey
		return facts{"versions": len(lv.Versions), "markers": len(lv.DeleteMarkers), "delete_marker": del.DeleteMarker, "old": string(oldBody), "gone_typed": errors.As(gone, &nsk)}, nil
	})

	step("sdk PutObjectTagging, GetObjectTagging", func() (facts, error) {
		if _, err := c.PutObjectTagging(ctx, &s3.PutObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("copy.bin"),
			Tagging: &types.Tagging{TagSet: []types.Tag{{Key: aws.String("k1"), Value: aws.String("v 1")}, {Key: aws.String("k2"), Value: aws.String("")}}}}); err != nil {
			return nil, err
		}
		g, err := c.GetObjectTagging(ctx, &s3.GetObjectTaggingInput{Bucket: aws.String(b), Key: aws.String("copy.bin")})
		if err != nil {
			return nil, err
		}
		t := map[string]string{}
		for _, x := range g.TagSet {
			t[aws.ToString(x.Key)] = aws.ToString(x.Value)
		}
		return facts{"tags": t}, nil
	})
}

func minioFlow(ctx context.Context, p params) {
	const b = "minio-go"
	u, err := url.Parse(p.Endpoint)
	if err != nil {
		panic(err)
	}
	mk := func(trailing bool) *minio.Client {
		c, err := minio.New(u.Host, &minio.Options{Creds: mcreds.NewStaticV4(p.AccessKey, p.SecretKey, ""), Secure: false, Region: "us-east-1",
			BucketLookup: minio.BucketLookupPath, TrailingHeaders: trailing})
		if err != nil {
			panic(err)
		}
		return c
	}
	c := mk(false)

	step("minio MakeBucket, BucketExists", func() (facts, error) {
		if err := c.MakeBucket(ctx, b, minio.MakeBucketOptions{Region: "us-east-1"}); err != nil {
			return nil, err
		}
		ok, err := c.BucketExists(ctx, b)
		if err != nil {
			return nil, err
		}
		no, err := c.BucketExists(ctx, "minio-go-missing")
		return facts{"exists": ok, "missing_exists": no}, err
	})

	small := pattern(200*1024, 6)
	step("minio PutObject known size (signed aws-chunked), StatObject, GetObject, ranged GetObject", func() (facts, error) {
		info, err := c.PutObject(ctx, b, "a/stream.bin", bytes.NewReader(small), int64(len(small)), minio.PutObjectOptions{ContentType: "application/x-mg", UserMetadata: map[string]string{"Shade": "green"}})
		if err != nil {
			return nil, err
		}
		st, err := c.StatObject(ctx, b, "a/stream.bin", minio.StatObjectOptions{})
		if err != nil {
			return nil, err
		}
		o, err := c.GetObject(ctx, b, "a/stream.bin", minio.GetObjectOptions{})
		if err != nil {
			return nil, err
		}
		whole, err := io.ReadAll(o)
		o.Close()
		if err != nil {
			return nil, err
		}
		ro := minio.GetObjectOptions{}
		if err := ro.SetRange(1000, 1999); err != nil {
			return nil, err
		}
		r, err := c.GetObject(ctx, b, "a/stream.bin", ro)
		if err != nil {
			return nil, err
		}
		part, err := io.ReadAll(r)
		r.Close()
		return facts{"etag": info.ETag, "md5": md5hex(small), "size": st.Size, "type": st.ContentType, "meta": st.UserMetadata["Shade"],
			"same": bytes.Equal(whole, small), "range_ok": bytes.Equal(part, small[1000:2000])}, err
	})

	big := pattern(12*MiB+7, 7)
	step("minio PutObject 12 MiB in 5 MiB parts with TrailingHeaders (signed trailer, CRC32C)", func() (facts, error) {
		info, err := mk(true).PutObject(ctx, b, "big-trailer.bin", bytes.NewReader(big), int64(len(big)), minio.PutObjectOptions{PartSize: 5 * MiB, NumThreads: 2})
		if err != nil {
			return nil, err
		}
		o, err := c.GetObject(ctx, b, "big-trailer.bin", minio.GetObjectOptions{})
		if err != nil {
			return nil, err
		}
		got, err := io.ReadAll(o)
		o.Close()
		return facts{"etag": info.ETag, "same": bytes.Equal(got, big)}, err
	})

	step("minio PutObject of unknown size (-1): streamed multipart", func() (facts, error) {
		body := pattern(7*MiB+5, 8)
		info, err := c.PutObject(ctx, b, "unknown-size.bin", onlyReader{bytes.NewReader(body)}, -1, minio.PutObjectOptions{PartSize: 5 * MiB})
		if err != nil {
			return nil, err
		}
		st, err := c.StatObject(ctx, b, "unknown-size.bin", minio.StatObjectOptions{})
		return facts{"etag": info.ETag, "size": st.Size, "want": len(body)}, err
	})

	step("minio PutObject SendContentMd5, FPutObject, FGetObject", func() (facts, error) {
		if _, err := c.PutObject(ctx, b, "md5.txt", bytes.NewReader([]byte("with content-md5")), 16, minio.PutObjectOptions{SendContentMd5: true}); err != nil {
			return nil, err
		}
		src := filepath.Join(p.Workdir, "fput.bin")
		dst := filepath.Join(p.Workdir, "fget.bin")
		data := pattern(3*MiB+1, 9)
		if err := os.WriteFile(src, data, 0o600); err != nil {
			return nil, err
		}
		if _, err := c.FPutObject(ctx, b, "dir/fput.bin", src, minio.PutObjectOptions{}); err != nil {
			return nil, err
		}
		if err := c.FGetObject(ctx, b, "dir/fput.bin", dst, minio.GetObjectOptions{}); err != nil {
			return nil, err
		}
		got, err := os.ReadFile(dst)
		return facts{"same": bytes.Equal(got, data)}, err
	})

	step("minio ComposeObject of two sources (UploadPartCopy), CopyObject", func() (facts, error) {
		info, err := c.ComposeObject(ctx, minio.CopyDestOptions{Bucket: b, Object: "composed.bin"},
			minio.CopySrcOptions{Bucket: b, Object: "big-trailer.bin"}, minio.CopySrcOptions{Bucket: b, Object: "a/stream.bin"})
		if err != nil {
			return nil, err
		}
		o, err := c.GetObject(ctx, b, "composed.bin", minio.GetObjectOptions{})
		if err != nil {
			return nil, err
		}
		got, err := io.ReadAll(o)
		o.Close()
		if err != nil {
			return nil, err
		}
		if _, err := c.CopyObject(ctx, minio.CopyDestOptions{Bucket: b, Object: "copied.bin"}, minio.CopySrcOptions{Bucket: b, Object: "a/stream.bin"}); err != nil {
			return nil, err
		}
		st, err := c.StatObject(ctx, b, "copied.bin", minio.StatObjectOptions{})
		return facts{"etag": info.ETag, "same": bytes.Equal(got, append(append([]byte{}, big...), small...)), "copied_size": st.Size, "copied_meta": st.UserMetadata["Shade"]}, err
	})

	step("minio ListObjects recursive and by delimiter", func() (facts, error) {
		rec, top := []string{}, []string{}
		for o := range c.ListObjects(ctx, b, minio.ListObjectsOptions{Recursive: true}) {
			if o.Err != nil {
				return nil, o.Err
			}
			rec = append(rec, o.Key)
		}
		for o := range c.ListObjects(ctx, b, minio.ListObjectsOptions{}) {
			if o.Err != nil {
				return nil, o.Err
			}
			top = append(top, o.Key)
		}
		return facts{"recursive": rec, "top": top}, nil
	})

	step("minio PresignedGetObject, PresignedPutObject fetched with net/http", func() (facts, error) {
		put, err := c.PresignedPutObject(ctx, b, "presigned.txt", 5*time.Minute)
		if err != nil {
			return nil, err
		}
		ps, _, err := httpDo("PUT", put.String(), []byte("minio presigned"))
		if err != nil {
			return nil, err
		}
		get, err := c.PresignedGetObject(ctx, b, "presigned.txt", 5*time.Minute, url.Values{"response-content-type": {"text/x-mg"}})
		if err != nil {
			return nil, err
		}
		gs, body, err := httpDo("GET", get.String(), nil)
		return facts{"put_status": ps, "get_status": gs, "body": string(body)}, err
	})

	step("minio object tagging", func() (facts, error) {
		t, err := tags.NewTags(map[string]string{"project": "ccow", "stage": "test"}, true)
		if err != nil {
			return nil, err
		}
		if err := c.PutObjectTagging(ctx, b, "copied.bin", t, minio.PutObjectTaggingOptions{}); err != nil {
			return nil, err
		}
		got, err := c.GetObjectTagging(ctx, b, "copied.bin", minio.GetObjectTaggingOptions{})
		if err != nil {
			return nil, err
		}
		return facts{"tags": got.ToMap()}, nil
	})

	step("minio versioning: EnableVersioning, versions listed, RemoveObject by VersionID", func() (facts, error) {
		if err := c.EnableVersioning(ctx, b); err != nil {
			return nil, err
		}
		cfg, err := c.GetBucketVersioning(ctx, b)
		if err != nil {
			return nil, err
		}
		first, err := c.PutObject(ctx, b, "v.txt", strings.NewReader("first"), 5, minio.PutObjectOptions{})
		if err != nil {
			return nil, err
		}
		if _, err := c.PutObject(ctx, b, "v.txt", strings.NewReader("second"), 6, minio.PutObjectOptions{}); err != nil {
			return nil, err
		}
		count := func() (int, error) {
			n := 0
			for o := range c.ListObjects(ctx, b, minio.ListObjectsOptions{Prefix: "v.txt", WithVersions: true}) {
				if o.Err != nil {
					return 0, o.Err
				}
				n++
			}
			return n, nil
		}
		before, err := count()
		if err != nil {
			return nil, err
		}
		if err := c.RemoveObject(ctx, b, "v.txt", minio.RemoveObjectOptions{VersionID: first.VersionID}); err != nil {
			return nil, err
		}
		after, err := count()
		return facts{"status": cfg.Status, "before": before, "after": after, "version_id_set": first.VersionID != ""}, err
	})

	step("minio RemoveObjects of every version, RemoveBucket", func() (facts, error) {
		objs := make(chan minio.ObjectInfo)
		go func() {
			defer close(objs)
			for o := range c.ListObjects(ctx, b, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
				objs <- o
			}
		}()
		failed := 0
		for e := range c.RemoveObjects(ctx, b, objs, minio.RemoveObjectsOptions{}) {
			if e.Err != nil {
				failed++
			}
		}
		left := 0
		for range c.ListObjects(ctx, b, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
			left++
		}
		err := c.RemoveBucket(ctx, b)
		ok, _ := c.BucketExists(ctx, b)
		return facts{"failed": failed, "left": left, "exists_after": ok}, err
	})
}
