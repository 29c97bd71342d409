# The AWS SDK for Ruby v3 (Debian's ruby-aws-sdk-s3) against a gateway, as a Ruby program uses it.
# Run by test/clients/ruby-sdk.test.ts: `ruby ruby_flow.rb params.json`. Prints one JSON line per
# step: {"step": name, "ok": true, facts...} or {"step": name, "ok": false, "error": ..., "trace": ...};
# the test asserts the facts. A failed step does not stop the later ones.
require 'aws-sdk-s3'
require 'digest'
require 'json'
require 'net/http'
require 'stringio'
require 'uri'
require_relative 'flowlib'

params = JSON.parse(File.read(ARGV.fetch(0)))
WORK = params.fetch('workdir')
CONFIG = {
  endpoint: params.fetch('endpoint'),
  region: 'us-east-1',
  force_path_style: true,
  credentials: Aws::Credentials.new(params.fetch('access_key'), params.fetch('secret_key')),
  retry_limit: 0,
  http_open_timeout: 10,
  http_read_timeout: 60
}.freeze
S3 = Aws::S3::Client.new(**CONFIG)
BUCKET = 'ruby-sdk'

def error_class(&blk)
  blk.call
  nil
rescue Aws::S3::Errors::ServiceError => e
  { 'class' => e.class.name, 'code' => e.code, 'status' => e.context.http_response.status_code }
end

step('CreateBucket, again (BucketAlreadyOwnedByYou), HeadBucket of a missing bucket (NotFound)') do
  S3.create_bucket(bucket: BUCKET)
  { again: error_class { S3.create_bucket(bucket: BUCKET) }, missing: error_class { S3.head_bucket(bucket: 'ruby-sdk-missing') } }
end

step('PutObject with metadata, HeadObject, GetObject, a missing key (NoSuchKey)') do
  body = pattern(3000, 'small')
  put = S3.put_object(bucket: BUCKET, key: 'dir/small é.bin', body: body, content_type: 'application/x-test', metadata: { 'color' => 'blue' })
  head = S3.head_object(bucket: BUCKET, key: 'dir/small é.bin')
  got = S3.get_object(bucket: BUCKET, key: 'dir/small é.bin').body.read
  { etag: put.etag, md5: Digest::MD5.hexdigest(body), length: head.content_length, type: head.content_type, meta: head.metadata,
    same: got.b == body.b, missing: error_class { S3.get_object(bucket: BUCKET, key: 'nope') } }
end

step('PutObject with checksum_algorithm CRC32 and SHA256, GetObject checksum_mode ENABLED (the SDK validates)') do
  %w[CRC32 SHA256].each_with_object({}) do |alg, out|
    body = pattern(70_000, "ck-#{alg}")
    put = S3.put_object(bucket: BUCKET, key: "ck-#{alg}", body: body, checksum_algorithm: alg)
    get = S3.get_object(bucket: BUCKET, key: "ck-#{alg}", checksum_mode: 'ENABLED')
    key = "checksum_#{alg.downcase}"
    out[alg] = { put: put.public_send(key), get: get.public_send(key), same: get.body.read.b == body.b }
  end
end

step('Object#upload_file of 12 MiB (multipart, 5 MiB parts, threads), download_file, a ranged GET') do
  src = File.join(WORK, 'big.bin')
  File.binwrite(src, pattern((12 * 1024 * 1024) + 777, 'big'))
  obj = Aws::S3::Resource.new(client: S3).bucket(BUCKET).object('big.bin')
  obj.upload_file(src, multipart_threshold: 5 * 1024 * 1024, thread_count: 3)
  dst = File.join(WORK, 'big.back')
  obj.download_file(dst)
  range = S3.get_object(bucket: BUCKET, key: 'big.bin', range: 'bytes=5242000-5243999').body.read
  { etag: obj.reload.etag, same: File.binread(dst) == File.binread(src), range_same: range.b == File.binread(src).byteslice(5_242_000, 2000).b }
end

step('Object#upload_stream (multipart from a stream, 5 MiB parts)') do
  obj = Aws::S3::Resource.new(client: S3).bucket(BUCKET).object('streamed.bin')
  data = pattern((11 * 1024 * 1024) + 5, 'stream')
  obj.upload_stream(part_size: 5 * 1024 * 1024, thread_count: 2) do |w|
    io = StringIO.new(data)
    while (piece = io.read(300_000))
      w << piece
    end
  end
  got = S3.get_object(bucket: BUCKET, key: 'streamed.bin').body.read
  { etag: obj.reload.etag, same: got.b == data.b }
end

step('CopyObject REPLACE metadata; Object#copy_to with multipart_copy (UploadPartCopy)') do
  S3.copy_object(bucket: BUCKET, key: 'copy.bin', copy_source: "#{BUCKET}/dir/small é.bin", metadata_directive: 'REPLACE', metadata: { 'shape' => 'round' })
  head = S3.head_object(bucket: BUCKET, key: 'copy.bin')
  res = Aws::S3::Resource.new(client: S3)
  res.bucket(BUCKET).object('big.bin').copy_to(bucket: BUCKET, key: 'big-copy.bin', multipart_copy: true)
  a = S3.get_object(bucket: BUCKET, key: 'big.bin').body.read
  b = S3.get_object(bucket: BUCKET, key: 'big-copy.bin').body.read
  { meta: head.metadata, big_same: a.b == b.b }
end

step('presigned GET and PUT URLs fetched with Net::HTTP') do
  signer = Aws::S3::Presigner.new(client: S3)
  put_url = URI(signer.presigned_url(:put_object, bucket: BUCKET, key: 'presigned.txt', expires_in: 300))
  body = 'sent through a presigned URL'
  put = Net::HTTP.start(put_url.host, put_url.port) { |h| h.request_put(put_url.request_uri, body, 'content-type' => 'text/plain') }
  get_url = URI(signer.presigned_url(:get_object, bucket: BUCKET, key: 'presigned.txt', expires_in: 300))
  got = Net::HTTP.get_response(get_url)
  { put_status: put.code.to_i, get_status: got.code.to_i, same: got.body == body }
end

step('ListObjectsV2 pages (max_keys 3) and delimiter; ListObjects v1 with a marker') do
  10.times { |i| S3.put_object(bucket: BUCKET, key: format('list/k%02d', i), body: i.to_s) }
  S3.put_object(bucket: BUCKET, key: 'list/sub/x', body: 'x')
  keys = []
  pages = 0
  S3.list_objects_v2(bucket: BUCKET, prefix: 'list/', max_keys: 3).each_page do |p|
    pages += 1
    keys.concat(p.contents.map(&:key))
  end
  d = S3.list_objects_v2(bucket: BUCKET, prefix: 'list/', delimiter: '/')
  v1 = S3.list_objects(bucket: BUCKET, prefix: 'list/', marker: 'list/k07')
  { keys: keys, pages: pages, prefixes: d.common_prefixes.map(&:prefix), direct: d.contents.length, after_marker: v1.contents.map(&:key) }
end

step('DeleteObjects of three keys (one missing); tagging put and get') do
  r = S3.delete_objects(bucket: BUCKET, delete: { objects: [{ key: 'list/k00' }, { key: 'list/k01' }, { key: 'never-there' }] })
  S3.put_object_tagging(bucket: BUCKET, key: 'copy.bin', tagging: { tag_set: [{ key: 'k', value: 'v v' }] })
  tags = S3.get_object_tagging(bucket: BUCKET, key: 'copy.bin').tag_set.map { |t| [t.key, t.value] }.to_h
  { deleted: r.deleted.map(&:key).sort, errors: r.errors.length, tags: tags }
end

step('versioning: two versions, a delete marker, list_object_versions, GET by version id') do
  vb = 'ruby-sdk-versions'
  S3.create_bucket(bucket: vb)
  S3.put_bucket_versioning(bucket: vb, versioning_configuration: { status: 'Enabled' })
  v1 = S3.put_object(bucket: vb, key: 'doc', body: 'one').version_id
  v2 = S3.put_object(bucket: vb, key: 'doc', body: 'two').version_id
  del = S3.delete_object(bucket: vb, key: 'doc')
  versions = S3.list_object_versions(bucket: vb)
  {
    status: S3.get_bucket_versioning(bucket: vb).status, distinct: v1 != v2, marker: del.delete_marker,
    versions: versions.versions.map(&:version_id), markers: versions.delete_markers.length,
    old: S3.get_object(bucket: vb, key: 'doc', version_id: v1).body.read,
    current: error_class { S3.get_object(bucket: vb, key: 'doc') }, v1: v1, v2: v2
  }
end

step('non-ASCII user metadata (raw UTF-8, signed as such) comes back as S3 presents it') do
  S3.put_object(bucket: BUCKET, key: 'meta-utf8', body: 'm', metadata: { 'city' => 'Łódź', 'mood' => '😀' })
  { meta: S3.head_object(bucket: BUCKET, key: 'meta-utf8').metadata }
end

step('a wrong secret key: SignatureDoesNotMatch') do
  bad = Aws::S3::Client.new(**CONFIG, credentials: Aws::Credentials.new(params.fetch('access_key'), 'wrong-secret-key-000000000000000000000'))
  { error: error_class { bad.list_objects_v2(bucket: BUCKET) } }
end

step('Bucket#delete! empties and removes the bucket') do
  bucket = Aws::S3::Resource.new(client: S3).bucket(BUCKET)
  bucket.delete!
  { gone: error_class { S3.head_bucket(bucket: BUCKET) } }
end
