"""boto3 beyond the basic flows, against a ccow-s3 gateway (driven by test/clients/sdk-extra.test.ts).

Usage: python3 sdk_extra_flow.py <params.json>
params: endpoint (http://127.0.0.1:PORT), domain (the gateway's --domain), access_key, secret_key,
bucket, workdir, big (a 20 MiB file in workdir), small (a 6 MiB file in workdir).

Like boto3_flow.py: every step runs and prints one JSON line {"step", "ok", "error"?, ...facts};
the test asserts each. Virtual-hosted requests go to {bucket}.{domain}:PORT, which this script
resolves to 127.0.0.1 itself (no DNS entry is needed).
"""
import base64
import hashlib
import io
import json
import os
import socket
import sys
import traceback
import urllib.error
import urllib.request
import zlib

import boto3
import botocore
from boto3.s3.transfer import TransferConfig
from botocore.config import Config

MiB = 1024 * 1024


def emit(step, ok, **facts):
    print(json.dumps({"step": step, "ok": ok, **facts}, default=str), flush=True)


def step(name):
    def wrap(fn):
        try:
            emit(name, True, **(fn() or {}))
        except Exception as e:  # noqa: BLE001 - every failure is reported, not raised
            emit(name, False, error=f"{type(e).__name__}: {e}", trace=traceback.format_exc()[-2000:])
        return fn
    return wrap


def client_error(fn):
    """Call fn; return the AWS error it raised as {status, code}, or {"status": 200}."""
    try:
        fn()
        return {"status": 200}
    except botocore.exceptions.ClientError as e:
        return {"status": e.response["ResponseMetadata"]["HTTPStatusCode"], "code": e.response["Error"].get("Code")}


def checksums(resp):
    return {k: v for k, v in resp.items() if k.startswith("Checksum")}


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    p = json.load(open(sys.argv[1]))
    bucket, work, domain = p["bucket"], p["workdir"], p["domain"]
    port = p["endpoint"].rsplit(":", 1)[1]
    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host, *args, **kwargs):
        if isinstance(host, str) and (host == domain or host.endswith("." + domain)):
            host = "127.0.0.1"
        return real_getaddrinfo(host, *args, **kwargs)
    socket.getaddrinfo = getaddrinfo

    creds = dict(region_name="us-east-1", aws_access_key_id=p["access_key"], aws_secret_access_key=p["secret_key"])
    path_cfg = {"addressing_style": "path"}
    s3 = boto3.client("s3", endpoint_url=p["endpoint"], config=Config(s3=path_cfg, retries={"max_attempts": 1}), **creds)
    big, small = os.path.join(work, p["big"]), os.path.join(work, p["small"])
    tc = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB, max_concurrency=4)
    try:
        import awscrt  # noqa: F401 - botocore needs it for CRC32C and CRC64NVME
        crt = True
    except ImportError:
        crt = False
    emit("versions", True, boto3=boto3.__version__, botocore=botocore.__version__, crt=crt)

    @step("create_bucket")
    def _():
        s3.create_bucket(Bucket=bucket)

    @step("upload_file ChecksumAlgorithm, head_object ChecksumMode and PartNumber")
    def _():
        out = {}
        algs = ["SHA256", "SHA1", "CRC32"] + (["CRC32C", "CRC64NVME"] if crt else [])
        for alg in algs:
            src = big if alg == "SHA256" else small
            key = f"up/{alg}"
            s3.upload_file(src, bucket, key, ExtraArgs={"ChecksumAlgorithm": alg}, Config=tc)
            whole = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
            part = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED", PartNumber=2)
            got = s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED", PartNumber=1)
            body = got["Body"].read()
            out[alg] = {"etag": whole["ETag"], "size": whole["ContentLength"], "whole": checksums(whole),
                        "part2": checksums(part), "parts_count": part.get("PartsCount"),
                        "part2_range": part.get("ContentRange"), "part1_len": len(body)}
        return {"algs": out}

    @step("upload_file with a full-object ChecksumCRC32 (s3transfer FULL_OBJECT)")
    def _():
        with open(small, "rb") as f:
            crc = base64.b64encode(zlib.crc32(f.read()).to_bytes(4, "big")).decode()
        s3.upload_file(small, bucket, "up/full-crc32", ExtraArgs={"ChecksumCRC32": crc}, Config=tc)
        head = s3.head_object(Bucket=bucket, Key="up/full-crc32", ChecksumMode="ENABLED")
        try:
            s3.upload_file(small, bucket, "up/full-crc32-bad", ExtraArgs={"ChecksumCRC32": "AAAAAQ=="}, Config=tc)
            bad = "accepted"
        except Exception as e:  # noqa: BLE001 - S3UploadFailedError wraps the ClientError
            bad = str(e)
        return {"crc": crc, "head": checksums(head), "etag": head["ETag"], "bad": bad,
                "bad_exists": client_error(lambda: s3.head_object(Bucket=bucket, Key="up/full-crc32-bad"))["status"]}

    @step("download_file (ranged GETs) with response checksum validation")
    def _():
        out = {}
        for mode in ("when_supported", "when_required"):
            c = boto3.client("s3", endpoint_url=p["endpoint"], config=Config(s3=path_cfg, response_checksum_validation=mode), **creds)
            dest = os.path.join(work, f"down-{mode}")
            c.download_file(bucket, "up/SHA256", dest, Config=tc)
            out[mode] = sha256_file(dest)
        return {"sha256": out}

    @step("managed copy of 20 MiB (UploadPartCopy ranges)")
    def _():
        s3.copy({"Bucket": bucket, "Key": "up/SHA256"}, bucket, "copy/big", Config=tc)
        s3.copy({"Bucket": bucket, "Key": "up/SHA256"}, bucket, "copy/big-crc32", Config=tc, ExtraArgs={"ChecksumAlgorithm": "CRC32"})
        head = s3.head_object(Bucket=bucket, Key="copy/big-crc32", ChecksumMode="ENABLED")
        got = hashlib.sha256(s3.get_object(Bucket=bucket, Key="copy/big")["Body"].read()).hexdigest()
        return {"sha256": got, "etag": head["ETag"], "checksum": checksums(head)}

    @step("get_object_attributes")
    def _():
        r = s3.get_object_attributes(Bucket=bucket, Key="up/SHA256", MaxParts=2,
                                     ObjectAttributes=["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"])
        r.pop("ResponseMetadata", None)
        r.pop("LastModified", None)
        return {"attrs": r}

    @step("paginator with Delimiter and Prefix")
    def _():
        for i in range(4):
            s3.put_object(Bucket=bucket, Key=f"tree/d{i}/f", Body=b"")
            s3.put_object(Bucket=bucket, Key=f"tree/f{i}", Body=b"")
        pages = list(s3.get_paginator("list_objects_v2").paginate(
            Bucket=bucket, Prefix="tree/", Delimiter="/", PaginationConfig={"PageSize": 3}))
        v1 = list(s3.get_paginator("list_objects").paginate(
            Bucket=bucket, Prefix="tree/", Delimiter="/", PaginationConfig={"PageSize": 3}))
        return {"pages": [{"prefixes": [c["Prefix"] for c in pg.get("CommonPrefixes", [])],
                           "keys": [o["Key"] for o in pg.get("Contents", [])], "key_count": pg["KeyCount"]} for pg in pages],
                "v1": [[c["Prefix"] for c in pg.get("CommonPrefixes", [])] + [o["Key"] for o in pg.get("Contents", [])] for pg in v1]}

    @step("waiters")
    def _():
        fast = {"Delay": 1, "MaxAttempts": 2}
        s3.get_waiter("bucket_exists").wait(Bucket=bucket, WaiterConfig=fast)
        s3.get_waiter("object_exists").wait(Bucket=bucket, Key="tree/f0", WaiterConfig=fast)
        s3.get_waiter("object_not_exists").wait(Bucket=bucket, Key="no/such/key", WaiterConfig=fast)
        s3.get_waiter("bucket_not_exists").wait(Bucket="no-such-bucket-sdk-extra", WaiterConfig=fast)
        try:
            s3.get_waiter("object_exists").wait(Bucket=bucket, Key="no/such/key", WaiterConfig={"Delay": 1, "MaxAttempts": 1})
            missing = "found"
        except botocore.exceptions.WaiterError as e:
            missing = str(e)
        return {"missing": missing}

    @step("resource API: objects.filter().delete(), object_versions")
    def _():
        r3 = boto3.resource("s3", endpoint_url=p["endpoint"], config=Config(s3=path_cfg), **creds)
        bk = r3.Bucket(bucket + "-res")
        bk.create()
        bk.Versioning().enable()
        for i in range(3):
            bk.put_object(Key=f"del/{i}", Body=b"x")
        bk.put_object(Key="keep", Body=b"y")
        deleted = bk.objects.filter(Prefix="del/").delete()
        left = sorted(o.key for o in bk.objects.all())
        versions = sorted((v.object_key, v.is_latest) for v in bk.object_versions.all())
        bk.object_versions.delete()
        after = list(bk.object_versions.all())
        bk.delete()
        return {"deleted": sorted(d["Key"] for d in deleted[0].get("Deleted", [])), "left": left,
                "versions": versions, "after": len(after)}

    @step("virtual-hosted addressing with the gateway's domain")
    def _():
        v = boto3.client("s3", endpoint_url=f"http://{domain}:{port}", config=Config(s3={"addressing_style": "virtual"}, retries={"max_attempts": 1}), **creds)
        v.put_object(Bucket=bucket, Key="vh/a b+c.txt", Body=b"virtual")
        body = v.get_object(Bucket=bucket, Key="vh/a b+c.txt")["Body"].read().decode()
        keys = [o["Key"] for o in v.list_objects_v2(Bucket=bucket, Prefix="vh/").get("Contents", [])]
        url = v.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "vh/a b+c.txt"}, ExpiresIn=300)
        with urllib.request.urlopen(url) as r:
            presigned = r.read().decode()
        v.copy({"Bucket": bucket, "Key": "up/SHA1"}, bucket, "vh/copy", Config=tc)
        return {"body": body, "keys": keys, "presigned_host": url.split("/")[2], "presigned": presigned,
                "copy_size": v.head_object(Bucket=bucket, Key="vh/copy")["ContentLength"]}

    @step("signature_version s3 (SigV2): get/put/presign and the newer bucket sub-resources")
    def _():
        v2 = boto3.client("s3", endpoint_url=p["endpoint"], config=Config(s3=path_cfg, signature_version="s3", retries={"max_attempts": 1}), **creds)
        v2.put_object(Bucket=bucket, Key="v2/ü x+y.txt", Body=b"sigv2", ContentType="text/plain", Metadata={"m": "1"})
        got = v2.get_object(Bucket=bucket, Key="v2/ü x+y.txt")
        url = v2.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "v2/ü x+y.txt", "ResponseContentType": "x/y"}, ExpiresIn=300)
        with urllib.request.urlopen(url) as r:
            presigned = [r.read().decode(), r.headers["Content-Type"]]
        subs = {
            "get_bucket_encryption": client_error(lambda: v2.get_bucket_encryption(Bucket=bucket)),
            "get_bucket_ownership_controls": client_error(lambda: v2.get_bucket_ownership_controls(Bucket=bucket)),
            "delete_public_access_block": client_error(lambda: v2.delete_public_access_block(Bucket=bucket)),
            "get_object_retention": client_error(lambda: v2.get_object_retention(Bucket=bucket, Key="v2/ü x+y.txt")),
            "get_object_tagging": client_error(lambda: v2.get_object_tagging(Bucket=bucket, Key="v2/ü x+y.txt")),
        }
        return {"body": got["Body"].read().decode(), "metadata": got["Metadata"], "presigned": presigned, "subs": subs}

    @step("request_checksum_calculation / response_checksum_validation when_required")
    def _():
        c = boto3.client("s3", endpoint_url=p["endpoint"], config=Config(
            s3=path_cfg, request_checksum_calculation="when_required", response_checksum_validation="when_required"), **creds)
        c.put_object(Bucket=bucket, Key="wr/small", Body=b"abc")
        c.upload_file(small, bucket, "wr/big", Config=tc)
        c.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "wr/small"}]})
        c.put_bucket_tagging(Bucket=bucket, Tagging={"TagSet": [{"Key": "k", "Value": "v"}]})
        head = c.head_object(Bucket=bucket, Key="wr/big", ChecksumMode="ENABLED")
        return {"etag": head["ETag"], "checksum": checksums(head), "small_gone": client_error(lambda: c.head_object(Bucket=bucket, Key="wr/small"))["status"]}

    @step("generate_presigned_url put_object with ContentType and Metadata")
    def _():
        out = {}
        for sig in ("s3v4", "s3"):
            c = boto3.client("s3", endpoint_url=p["endpoint"], config=Config(s3=path_cfg, signature_version=sig), **creds)
            key = f"presigned/{sig}"
            url = c.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": key, "ContentType": "application/json", "Metadata": {"owner": "me"}}, ExpiresIn=300)
            statuses = []
            for headers in ({"Content-Type": "application/json", "x-amz-meta-owner": "me"}, {"Content-Type": "text/plain", "x-amz-meta-owner": "me"}):
                req = urllib.request.Request(url, data=b"{}", method="PUT", headers=headers)
                try:
                    with urllib.request.urlopen(req) as r:
                        statuses.append(r.status)
                except urllib.error.HTTPError as e:
                    statuses.append(e.code)
            head = s3.head_object(Bucket=bucket, Key=key)
            out[sig] = {"statuses": statuses, "content_type": head["ContentType"], "metadata": head["Metadata"]}
        return out

    @step("unsupported operations answer clear AWS errors")
    def _():
        s3.put_object(Bucket=bucket, Key="csv", Body=b"a,b\n1,2\n")
        return {
            "select_object_content": client_error(lambda: s3.select_object_content(
                Bucket=bucket, Key="csv", Expression="select * from s3object", ExpressionType="SQL",
                InputSerialization={"CSV": {}}, OutputSerialization={"CSV": {}})),
            "put_object_lock_configuration": client_error(lambda: s3.put_object_lock_configuration(
                Bucket=bucket, ObjectLockConfiguration={"ObjectLockEnabled": "Enabled", "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}})),
            "get_object_lock_configuration": client_error(lambda: s3.get_object_lock_configuration(Bucket=bucket)),
            "restore_object": client_error(lambda: s3.restore_object(Bucket=bucket, Key="csv", RestoreRequest={"Days": 1})),
        }


if __name__ == "__main__":
    main()
