"""boto3 as users run it, against a ccow-s3 gateway (driven by test/clients/boto3.test.ts).

Usage: python3 boto3_flow.py <params.json>
params: endpoint, access_key, secret_key, bucket, workdir, big (file name in workdir), big_sha256.

Every step runs even when an earlier one failed (except where it needs the earlier result) and
prints one JSON line: {"step": name, "ok": bool, "error"?: str, ...facts}. The test asserts each.
Presigned URLs are printed for the test to fetch with undici.
"""
import hashlib
import io
import json
import os
import sys
import traceback
import urllib.error
import urllib.request
import uuid

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from flowlib import sha256_file

MiB = 1024 * 1024


def emit(step, ok, **facts):
    print(json.dumps({"step": step, "ok": ok, **facts}), flush=True)


def step(name):
    """Run fn as a named step; an exception becomes {"ok": false, "error": ...}."""
    def wrap(fn):
        try:
            facts = fn() or {}
            emit(name, True, **facts)
        except Exception as e:  # noqa: BLE001 - every failure is reported, not raised
            emit(name, False, error=f"{type(e).__name__}: {e}", trace=traceback.format_exc()[-2000:])
        return fn
    return wrap


def main():
    p = json.load(open(sys.argv[1]))
    bucket, work = p["bucket"], p["workdir"]
    common = dict(endpoint_url=p["endpoint"], region_name="us-east-1",
                  aws_access_key_id=p["access_key"], aws_secret_access_key=p["secret_key"])
    s3 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}), **common)
    s3v4 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}, signature_version="s3v4"), **common)
    emit("versions", True, boto3=boto3.__version__, botocore=__import__("botocore").__version__)

    @step("create_bucket")
    def _():
        s3.create_bucket(Bucket=bucket)

    # Threshold and part size below the file size: upload and download both go multipart.
    tc = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB, max_concurrency=4)

    @step("upload_file multipart")
    def _():
        s3.upload_file(os.path.join(work, p["big"]), bucket, "big.bin", Config=tc)
        head = s3.head_object(Bucket=bucket, Key="big.bin")
        return {"etag": head["ETag"], "size": head["ContentLength"]}

    @step("download_file multipart")
    def _():
        out = os.path.join(work, "big.out")
        s3.download_file(bucket, "big.bin", out, Config=tc)
        return {"sha256": sha256_file(out)}

    keys = [f"page/{i:03d}-{'x' * (i % 3)}" for i in range(25)]

    @step("put_object x25")
    def _():
        for k in keys:
            s3.put_object(Bucket=bucket, Key=k, Body=k.encode())

    @step("paginate list_objects_v2 PageSize=10")
    def _():
        pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix="page/", PaginationConfig={"PageSize": 10}))
        got = [o["Key"] for pg in pages for o in pg.get("Contents", [])]
        return {"pages": len(pages), "keys": got}

    @step("paginate list_objects (v1) PageSize=10")
    def _():
        pages = list(s3.get_paginator("list_objects").paginate(Bucket=bucket, Prefix="page/", PaginationConfig={"PageSize": 10}))
        got = [o["Key"] for pg in pages for o in pg.get("Contents", [])]
        return {"pages": len(pages), "keys": got}

    @step("paginate list_object_versions PageSize=10")
    def _():
        pages = list(s3.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix="page/", PaginationConfig={"PageSize": 10}))
        got = [o["Key"] for pg in pages for o in pg.get("Versions", [])]
        return {"pages": len(pages), "keys": got}

    @step("paginate delimiter '/' MaxKeys=1")
    def _():
        pages = list(s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Delimiter="/", PaginationConfig={"PageSize": 1}))
        prefixes = [c["Prefix"] for pg in pages for c in pg.get("CommonPrefixes", [])]
        top = [o["Key"] for pg in pages for o in pg.get("Contents", [])]
        return {"pages": len(pages), "prefixes": prefixes, "keys": top}

    @step("generate_presigned_url")
    def _():
        key = "page/007-x"
        return {
            "key": key,
            "default_get": s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=600),
            "v4_get": s3v4.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=600),
            "v4_put": s3v4.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "presigned-put.txt"}, ExpiresIn=600),
        }

    # signature_version "s3" (SigV2), as older tools configure boto3: botocore signs a bucket-only
    # path with a trailing slash (`/bkt/` for `GET /bkt?list-type=2`).
    s3v2 = boto3.client("s3", config=Config(s3={"addressing_style": "path"}, signature_version="s3"), **common)

    @step("SigV2 bucket and object calls")
    def _():
        s3v2.head_bucket(Bucket=bucket)
        got = [o["Key"] for o in s3v2.list_objects_v2(Bucket=bucket, Prefix="page/00").get("Contents", [])]
        v1 = [o["Key"] for o in s3v2.list_objects(Bucket=bucket, Prefix="page/00").get("Contents", [])]
        versioning = s3v2.get_bucket_versioning(Bucket=bucket).get("Status", "")
        s3v2.put_object(Bucket=bucket, Key="sigv2.txt", Body=b"sigv2")
        deleted = s3v2.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "sigv2.txt"}]}).get("Deleted", [])
        url = s3v2.generate_presigned_url("list_objects_v2", Params={"Bucket": bucket, "Prefix": "page/00"}, ExpiresIn=600)
        with urllib.request.urlopen(url) as r:
            presigned_list = r.status
        return {"v2": got, "v1": v1, "versioning": versioning, "deleted": [d["Key"] for d in deleted], "presigned_list": presigned_list}

    @step("presigned POST")
    def _():
        post = s3.generate_presigned_post(bucket, "posted.txt", ExpiresIn=600)
        boundary = uuid.uuid4().hex
        body = b""
        for k, v in post["fields"].items():
            body += f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        body += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="posted.txt"\r\n'
                 f'Content-Type: text/plain\r\n\r\nposted by boto3\r\n--{boundary}--\r\n').encode()
        req = urllib.request.Request(post["url"], data=body, method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        try:
            with urllib.request.urlopen(req) as r:
                status, text = r.status, r.read().decode(errors="replace")
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode(errors="replace")
        return {"status": status, "body": text[:1000]}

    # Managed transfers beyond upload_file/download_file (users14 audit). Under xfer/, after the
    # listing steps above, which count the bucket's top-level keys.
    @step("upload_file ExtraArgs")
    def _():
        extra = {"Metadata": {"k1": "v1"}, "ContentDisposition": 'attachment; filename="big.bin"',
                 "Tagging": "t1=a&t2=b", "StorageClass": "STANDARD_IA", "ChecksumAlgorithm": "SHA256"}
        s3.upload_file(os.path.join(work, p["big"]), bucket, "xfer/extra.bin", ExtraArgs=extra, Config=tc)
        head = s3.head_object(Bucket=bucket, Key="xfer/extra.bin", ChecksumMode="ENABLED")
        tags = s3.get_object_tagging(Bucket=bucket, Key="xfer/extra.bin")["TagSet"]
        return {"etag": head["ETag"], "metadata": head["Metadata"], "disposition": head.get("ContentDisposition"),
                "storage_class": head.get("StorageClass"), "sha256": head.get("ChecksumSHA256"),
                "checksum_type": head.get("ChecksumType"), "tags": {t["Key"]: t["Value"] for t in tags}}

    @step("copy multipart (UploadPartCopy)")
    def _():
        s3.copy({"Bucket": bucket, "Key": "xfer/extra.bin"}, bucket, "xfer/copy.bin", Config=tc,
                ExtraArgs={"ChecksumAlgorithm": "SHA256"})
        head = s3.head_object(Bucket=bucket, Key="xfer/copy.bin", ChecksumMode="ENABLED")
        body = s3.get_object(Bucket=bucket, Key="xfer/copy.bin")["Body"].read()
        return {"etag": head["ETag"], "size": head["ContentLength"], "sha256": hashlib.sha256(body).hexdigest(),
                "checksum": head.get("ChecksumSHA256"), "checksum_type": head.get("ChecksumType")}

    class NonSeekable(io.RawIOBase):
        """A pipe-like stream: readable, not seekable, no length."""
        def __init__(self, path):
            self.f = open(path, "rb")

        def readable(self):
            return True

        def seekable(self):
            return False

        def readinto(self, buf):
            data = self.f.read(len(buf))
            buf[:len(data)] = data
            return len(data)

        def close(self):
            self.f.close()
            super().close()

    @step("upload_fileobj non-seekable")
    def _():
        with io.BufferedReader(NonSeekable(os.path.join(work, p["big"]))) as src:
            s3.upload_fileobj(src, bucket, "xfer/stream.bin", ExtraArgs={"ChecksumAlgorithm": "SHA256"}, Config=tc)
        head = s3.head_object(Bucket=bucket, Key="xfer/stream.bin", ChecksumMode="ENABLED")
        return {"etag": head["ETag"], "size": head["ContentLength"], "checksum": head.get("ChecksumSHA256")}

    @step("download_fileobj with response checksum validation")
    def _():
        out = {}
        for mode in ("when_supported", "when_required"):
            c = boto3.client("s3", config=Config(s3={"addressing_style": "path"}, response_checksum_validation=mode), **common)
            for key in ("xfer/stream.bin", "xfer/copy.bin"):
                buf = io.BytesIO()
                c.download_fileobj(bucket, key, buf, Config=tc)
                out[f"{mode} {key}"] = hashlib.sha256(buf.getvalue()).hexdigest()
        return {"sha256": out}


if __name__ == "__main__":
    main()
