# Fog (Debian's ruby-fog-aws, 3.15) against a gateway, as CarrierWave and Rails apps use it.
# Run by test/clients/fog.test.ts: `ruby fog_flow.rb params.json`; params name the endpoint, the
# keys, the bucket and the signature version (2 or 4, Fog's :aws_signature_version). Prints one JSON
# line per step: {"step": name, "ok": true, facts...} or {"step": name, "ok": false, "error": ...,
# "trace": ...}; the test asserts the facts. A failed step does not stop the later ones.
require 'fog/aws'
require 'digest'
require 'json'
require 'net/http'
require 'stringio'
require 'uri'
require_relative 'flowlib'

params = JSON.parse(File.read(ARGV.fetch(0)))
SIG = params.fetch('sig')
BUCKET = params.fetch('bucket')
MiB = 1024 * 1024
OPTIONS = {
  provider: 'AWS',
  aws_access_key_id: params.fetch('access_key'),
  aws_secret_access_key: params.fetch('secret_key'),
  region: 'us-east-1',
  endpoint: params.fetch('endpoint'),
  path_style: true,
  aws_signature_version: SIG,
  connection_options: { retry_limit: 0, connect_timeout: 10, read_timeout: 60 }
}.freeze
S3 = Fog::Storage.new(**OPTIONS)

# The class and HTTP status of the error a block raises (nil when it raises none).
def error_of
  yield
  nil
rescue Excon::Error::HTTPStatus => e
  { 'class' => e.class.name, 'status' => e.response.status, 'code' => e.response.body[%r{<Code>([^<]*)</Code>}, 1] }
end

# The object's user metadata (Fog's metadata also holds the other x-amz-* response headers).
def user_meta(file)
  file.metadata.select { |k, _| k.start_with?('x-amz-meta-') }
end

def fetch(url)
  r = Net::HTTP.get_response(URI(url))
  [r.code.to_i, r.body.to_s.b]
end

SMALL = pattern(3000, 'fog-small')
BIG = pattern((12 * MiB) + 123, 'fog-big')

step('directories.create, again (409), directories.get of a missing bucket, directories listing') do
  dir = S3.directories.create(key: BUCKET)
  {
    created: dir.key,
    again: error_of { S3.put_bucket(BUCKET) },
    missing: S3.directories.get('fog-never-made').nil?,
    # Fog 3.15's get_service (directories.all) names host 's3.amazonaws.com' itself, whatever the
    # endpoint: it never reaches a gateway. Where it would connect, caught before any socket opens.
    all_host: begin
      probe = Fog::Storage.new(**OPTIONS)
      probe.define_singleton_method(:_request) { |_scheme, host, port, *_rest| throw :connect, "#{host}:#{port}" }
      catch(:connect) { probe.directories.all && 'listed' }
    end,
    # The same ListBuckets request, sent where Fog's other requests go.
    listed: S3.send(:request, expects: 200, method: 'GET', parser: Fog::Parsers::AWS::Storage::GetService.new)
              .body['Buckets'].map { |b| b['Name'] }.include?(BUCKET)
  }
end

DIR = S3.directories.new(key: BUCKET)

step('files.create with content_type and metadata, files.get, files.head, ranged get_object') do
  f = DIR.files.create(key: 'dir/small é.txt', body: SMALL, content_type: 'text/x-fog',
                       metadata: { 'x-amz-meta-color' => 'blue' })
  got = DIR.files.get('dir/small é.txt')
  head = DIR.files.head('dir/small é.txt')
  range = S3.get_object(BUCKET, 'dir/small é.txt', 'Range' => 'bytes=100-199')
  {
    etag: f.etag, md5: Digest::MD5.hexdigest(SMALL),
    same: got.body.b == SMALL, type: got.content_type, meta: user_meta(got),
    head_length: head.content_length, head_type: head.content_type, head_meta: user_meta(head),
    range_status: range.status, range_same: range.body.b == SMALL.byteslice(100, 100),
    content_range: range.headers['Content-Range']
  }
end

step('files.create of 12 MiB from an IO with multipart_chunk_size 5 MiB, read back') do
  f = DIR.files.new(key: 'big.bin', body: StringIO.new(BIG), content_type: 'application/x-big',
                    metadata: { 'x-amz-meta-kind' => 'multi' })
  f.multipart_chunk_size = 5 * MiB
  f.save
  got = DIR.files.get('big.bin')
  { etag: f.etag, size: got.content_length, same: Digest::SHA256.hexdigest(got.body) == Digest::SHA256.hexdigest(BIG),
    type: got.content_type, meta: user_meta(got) }
end

step('files.create from a File below the multipart size (SigV4: one streaming aws-chunked PUT)') do
  path = File.join(params.fetch('workdir'), 'io.bin')
  File.binwrite(path, pattern((1 * MiB) + 7, 'fog-io'))
  File.open(path, 'rb') { |io| DIR.files.create(key: 'io.bin', body: io) }
  got = DIR.files.get('io.bin')
  { same: got.body.b == File.binread(path), size: got.content_length, type: got.content_type }
end

step('listing: directory files with prefix, with prefix and delimiter (common_prefixes)') do
  %w[list/a list/b list/sub/c other].each { |k| DIR.files.create(key: k, body: k) }
  flat = S3.directories.get(BUCKET, prefix: 'list/').files.map(&:key)
  nested = S3.get_bucket(BUCKET, 'prefix' => 'list/', 'delimiter' => '/').body
  { flat: flat, direct: nested['Contents'].map { |c| c['Key'] }, prefixes: nested['CommonPrefixes'] }
end

step('copy_object keeping metadata, file.copy of 12 MiB by UploadPartCopy ranges, copy of a missing key') do
  S3.copy_object(BUCKET, 'dir/small é.txt', BUCKET, 'copy é.txt')
  copied = DIR.files.get('copy é.txt')
  big = DIR.files.get('big.bin')
  big.multipart_chunk_size = 5 * MiB
  big.copy(BUCKET, 'big-copy.bin')
  big_copy = DIR.files.get('big-copy.bin')
  {
    same: copied.body.b == SMALL, meta: user_meta(copied), type: copied.content_type,
    big_same: Digest::SHA256.hexdigest(big_copy.body) == Digest::SHA256.hexdigest(BIG),
    big_etag: big_copy.etag,
    missing: error_of { S3.copy_object(BUCKET, 'never-there', BUCKET, 'x') }
  }
end

step('file.url(expires) fetched with Net::HTTP; an expired one; a PUT URL') do
  f = DIR.files.get('dir/small é.txt')
  url = f.url(Time.now + 300)
  status, body = fetch(url)
  expired_status, expired_body = fetch(f.url(Time.now - 60))
  # Fog signs the headers it is given (SigV2 its Content-Type, SigV4 every one): send the same.
  put_url = S3.put_object_url(BUCKET, 'by-url.txt', Time.now + 300, 'Content-Type' => 'text/plain')
  uri = URI(put_url)
  put = Net::HTTP.start(uri.host, uri.port) { |h| h.send_request('PUT', uri.request_uri, 'via url', 'Content-Type' => 'text/plain') }
  {
    url: url, status: status, same: body == SMALL,
    expired_status: expired_status, expired_code: expired_body[%r{<Code>([^<]*)</Code>}, 1],
    put_status: put.code.to_i, put_stored: DIR.files.get('by-url.txt')&.body
  }
end

step('missing key: files.get and files.head are nil, get_object raises NotFound, delete is idempotent') do
  {
    get_nil: DIR.files.get('never-there').nil?,
    head_nil: DIR.files.head('never-there').nil?,
    get_object: error_of { S3.get_object(BUCKET, 'never-there') },
    missing_bucket: error_of { S3.get_object('fog-never-made', 'k') },
    delete_status: S3.delete_object(BUCKET, 'never-there').status
  }
end

step('file.destroy, delete_multiple_objects, directory.destroy: not empty (409), emptied, gone') do
  DIR.files.get('other').destroy
  full = error_of { S3.delete_bucket(BUCKET) }
  keys = DIR.files.map(&:key)
  S3.delete_multiple_objects(BUCKET, keys) unless keys.empty?
  left = DIR.files.reload.map(&:key)
  destroyed = S3.directories.get(BUCKET).destroy
  { full: full, deleted: keys.sort, left: left, destroyed: destroyed, gone: S3.directories.get(BUCKET).nil? }
end
