# Perl's Net::Amazon::S3 (Debian's libnet-amazon-s3-perl, 0.991) against a gateway, as an old Perl
# program uses it: the legacy API (Net::Amazon::S3 / ::Bucket: add_bucket, add_key, get_key,
# list_bucket, copy_key, set_acl, query_string_authentication_uri, delete_multi_object,
# delete_key, delete_bucket) and the newer Client API for what only it has (multipart uploads, a
# listing iterator). Run by test/clients/perl-s3.test.ts: `perl perl_s3_flow.pl params.json`, with
# params.signature 'V2' (the module's default for a host that is not s3.amazonaws.com) or 'V4'.
# Prints one JSON line per step: {"step": name, "ok": true, facts...} or {"step": name, "ok":
# false, "error": ...}; the test asserts the facts. A failed step does not stop the later ones.
use strict;
use warnings;
use Digest::MD5 qw(md5_hex md5_base64);
use Digest::SHA qw(sha256);
use JSON::PP;
use HTTP::Request;
use LWP::UserAgent;
use Net::Amazon::S3;
use Net::Amazon::S3::Client;

my $params = do { local $/; open my $fh, '<', $ARGV[0] or die "$ARGV[0]: $!"; decode_json(<$fh>) };
my ($host) = $params->{endpoint} =~ m{^https?://([^/]+)};
my $B = $params->{bucket};
my $MiB = 1024 * 1024;
my $JSON = JSON::PP->new->canonical->allow_nonref;
$| = 1;

sub connect_s3 {
	my ($secret) = @_;
	return Net::Amazon::S3->new(
		aws_access_key_id     => $params->{access_key},
		aws_secret_access_key => $secret,
		host                  => $host,
		secure                => 0,
		retry                 => 0,
		timeout               => 30,
		# V4 turns virtual hosts on by default (Signature::V4::enforce_use_virtual_host); a
		# gateway on 127.0.0.1 is addressed path style.
		use_virtual_host      => 0,
		authorization_method  => "Net::Amazon::S3::Signature::$params->{signature}",
	);
}
my $s3 = connect_s3($params->{secret_key});
my $client = Net::Amazon::S3::Client->new(s3 => $s3);

sub step {
	my ($name, $code) = @_;
	my $facts = eval { $code->() };
	my $out = defined $facts ? { step => $name, ok => JSON::PP::true, %$facts } : { step => $name, ok => JSON::PP::false, error => "$@" };
	print $JSON->encode($out), "\n";
}

sub bool { $_[0] ? JSON::PP::true : JSON::PP::false }

# Deterministic bytes (no randomness the test would have to know about).
sub pattern {
	my ($size, $seed) = @_;
	my $block = sha256($seed) x 32;    # 1 KiB
	return substr($block x (int($size / length $block) + 1), 0, $size);
}

# The legacy API answers false and leaves S3's error code in $s3->err.
sub legacy_error {
	my ($ok) = @_;
	return $ok ? undef : $s3->err;
}

sub grants {
	my ($xml) = @_;
	return [ sort map { my ($who) = m{<(?:URI|ID)>([^<]+)<}; my ($perm) = m{<Permission>([^<]+)<}; "$who:$perm" } $xml =~ m{<Grant>(.*?)</Grant>}gs ];
}

my $ua = LWP::UserAgent->new(timeout => 30, env_proxy => 0);

# Client::Object::put_part of 0.991 dies before it sends anything: it hands acl_short and
# copy_source to Upload::Part::Request, a strict constructor that takes neither
# (rustyconover/net-amazon-s3#123, open). Programs work around it as that issue does: the same
# operation without the two arguments. The request's own copy source (copy_source_bucket and
# _key) is no way around either: its x-amz-copy-source header attribute is built, not lazily,
# before those two are set, so it is never sent and an empty part is stored instead; the header
# goes in `headers`. Returns the HTTP response and whether put_part itself worked. put_part is
# tried until it has failed so once: its error's stack trace formats every argument, and takes
# seconds for a 5 MiB part.
my $put_part_broken;
sub put_part {
	my ($object, %args) = @_;
	unless ($put_part_broken) {
		my $response = eval { $object->put_part(%args) };
		return ($response, 1) if $response;
		die $@ unless $@ =~ /unknown attribute\(s\) passed to the constructor: acl_short copy_source/;
		$put_part_broken = 1;
	}
	my %headers = ('Content-Length' => length $args{value});
	$headers{'x-amz-copy-source'} = $args{copy_source} if defined $args{copy_source};
	my $response = $object->_perform_operation(
		'Net::Amazon::S3::Operation::Object::Upload::Part',
		upload_id   => $args{upload_id},
		part_number => $args{part_number},
		value       => $args{value},
		headers     => \%headers,
	);
	return ($response->http_response, 0);
}

step('add_bucket, again (error code), buckets', sub {
	my $bucket = $s3->add_bucket({ bucket => $B }) or die $s3->errstr;
	my $again = legacy_error($s3->add_bucket({ bucket => $B }));
	return { again => $again, listed => bool(grep { $_->bucket eq $B } @{ $s3->buckets->{buckets} }) };
});

my $bucket = $s3->bucket($B);
my $small = pattern(3000, 'small');

step('add_key with type and metadata, head_key, get_key, ranged get_key, a missing key', sub {
	$bucket->add_key("dir/small \x{e9}+x.bin", $small, { content_type => 'application/x-test', 'x-amz-meta-color' => 'blue' }) or die $s3->errstr;
	my $head = $bucket->head_key("dir/small \x{e9}+x.bin") or die $s3->errstr;
	my $got = $bucket->get_key("dir/small \x{e9}+x.bin") or die $s3->errstr;
	# get_key's argument parser takes a range only when key, method and filename are named too.
	my $range = $bucket->get_key(key => "dir/small \x{e9}+x.bin", method => 'GET', filename => undef, range => 'bytes=100-199') or die $s3->errstr;
	my $missing = $bucket->get_key('nope');
	return {
		etag => $got->{etag}, md5 => md5_hex($small), length => $head->{content_length} + 0, type => $got->{content_type},
		meta => $got->{'x-amz-meta-color'}, same => bool($got->{value} eq $small), range_same => bool($range->{value} eq substr($small, 100, 100)),
		missing => defined $missing ? 'found' : undef, missing_err => $s3->err,
	};
});

step('add_key_filename with Content-MD5, get_key_filename; a wrong Content-MD5 (BadDigest)', sub {
	my $body = pattern(70_000, 'file');
	my $src = "$params->{workdir}/file-$params->{signature}.bin";
	open my $fh, '>:raw', $src or die $!;
	print $fh $body;
	close $fh;
	my $md5 = md5_base64($body) . '==';
	$bucket->add_key_filename('file.bin', $src, { 'Content-MD5' => $md5 }) or die $s3->errstr;
	my $dst = "$src.back";
	$bucket->get_key_filename('file.bin', 'GET', $dst) or die $s3->errstr;
	my $back = do { local $/; open my $in, '<:raw', $dst or die $!; <$in> };
	my $bad = legacy_error($bucket->add_key('bad-digest.bin', $body, { 'Content-MD5' => md5_base64('other bytes') . '==' }));
	return { same => bool($back eq $body), bad => $bad, bad_stored => bool(defined $bucket->head_key('bad-digest.bin')) };
});

step('list_bucket with prefix and delimiter, max_keys pages by marker, list_bucket_all, Client list iterator', sub {
	for my $i (0 .. 9) { $bucket->add_key(sprintf('list/k%02d', $i), "$i") or die $s3->errstr }
	$bucket->add_key('list/sub/x', 'x') or die $s3->errstr;
	my $top = $s3->list_bucket({ bucket => $B, prefix => 'list/', delimiter => '/' }) or die $s3->errstr;
	my ($pages, @keys, $marker) = (0);
	while (1) {
		my $page = $s3->list_bucket({ bucket => $B, prefix => 'list/', max_keys => 3, (marker => $marker) x defined $marker }) or die $s3->errstr;
		$pages++;
		push @keys, map { $_->{key} } @{ $page->{keys} };
		last unless $page->{is_truncated};
		$marker = $page->{next_marker} || $page->{keys}[-1]{key};
	}
	my $all = $s3->list_bucket_all({ bucket => $B, prefix => 'list/' }) or die $s3->errstr;
	my $after = $s3->list_bucket({ bucket => $B, prefix => 'list/', marker => 'list/k07' }) or die $s3->errstr;
	my $stream = $client->bucket(name => $B)->list({ prefix => 'list/' });
	my @streamed;
	until ($stream->is_done) { push @streamed, map { $_->key } $stream->items }
	return {
		prefixes => $top->{common_prefixes}, direct => scalar @{ $top->{keys} }, pages => $pages, keys => \@keys,
		all => [ map { $_->{key} } @{ $all->{keys} } ], after_marker => [ map { $_->{key} } @{ $after->{keys} } ], streamed => \@streamed,
		size => $top->{keys}[0]{size} + 0,
	};
});

step('Client multipart: initiate_multipart_upload, put_part, put_part with copy_source, put_part, complete_multipart_upload', sub {
	my $a = pattern(5 * $MiB, 'part1');
	my $b = pattern(1234, 'part3');
	$bucket->add_key('five.bin', scalar reverse $a) or die $s3->errstr;
	my $object = $client->bucket(name => $B)->object(key => 'mp.bin');
	my $id = $object->initiate_multipart_upload(headers => { 'x-amz-meta-kind' => 'multi' });
	# A small part 1 first (put_part fails fast on 0.991), then the real one in its place.
	my (undef, $put_part_works) = put_part($object, upload_id => $id, part_number => 1, value => 'probe');
	my ($r1) = put_part($object, upload_id => $id, part_number => 1, value => $a);
	my ($r2) = put_part($object, upload_id => $id, part_number => 2, copy_source => "$B/five.bin", value => '');
	my ($r3) = put_part($object, upload_id => $id, part_number => 3, value => $b);
	my ($copy_etag) = map { s/&quot;/"/gr } $r2->decoded_content =~ m{<ETag>([^<]+)</ETag>};
	my @etags = ($r1->header('ETag'), $copy_etag, $r3->header('ETag'));
	my $done = $object->complete_multipart_upload(upload_id => $id, etags => \@etags, part_numbers => [ 1, 2, 3 ]);
	my ($etag) = map { s/&quot;/"/gr } $done->decoded_content =~ m{<ETag>([^<]+)</ETag>};
	my $got = $bucket->get_key('mp.bin') or die $s3->errstr;
	return {
		put_part_works => bool($put_part_works), statuses => [ map { $_->code + 0 } $r1, $r2, $r3, $done ], etags => \@etags,
		etag => $etag, meta => $got->{'x-amz-meta-kind'}, size => length $got->{value},
		same => bool($got->{value} eq $a . reverse($a) . $b), md5s => [ md5_hex($a), md5_hex(scalar reverse $a), md5_hex($b) ],
	};
});

step('Client multipart: abort_multipart_upload; a part to the aborted upload (NoSuchUpload)', sub {
	my $object = $client->bucket(name => $B)->object(key => 'aborted.bin');
	my $id = $object->initiate_multipart_upload;
	my ($part) = put_part($object, upload_id => $id, part_number => 1, value => 'abc');
	my $abort = $object->abort_multipart_upload(upload_id => $id);
	my $after = eval { put_part($object, upload_id => $id, part_number => 2, value => 'abc') };
	return { part => $part->code + 0, abort => $abort->code + 0, after => ($@ =~ /(NoSuchUpload)/)[0], key => bool(defined $bucket->head_key('aborted.bin')) };
});

step('copy_key keeping metadata, copy_key with new metadata (REPLACE), copy_key of a missing key', sub {
	$bucket->copy_key('copy-kept.bin', "/$B/file.bin") or die $s3->errstr;
	$bucket->copy_key('copy-new.bin', "/$B/dir/small%20%C3%A9%2Bx.bin", { 'x-amz-meta-mood' => 'new' }) or die $s3->errstr;
	my $kept = $bucket->get_key('copy-kept.bin') or die $s3->errstr;
	my $new = $bucket->get_key('copy-new.bin') or die $s3->errstr;
	my $missing = legacy_error($bucket->copy_key('x.bin', "/$B/no-such-source"));
	return {
		kept_same => bool($kept->{value} eq pattern(70_000, 'file')), new_meta => $new->{'x-amz-meta-mood'},
		new_color => $new->{'x-amz-meta-color'}, new_same => bool($new->{value} eq $small), missing => $missing,
	};
});

step('set_acl public-read on a key and the bucket, get_acl, anonymous GET; set_acl private', sub {
	my $before = grants($bucket->get_acl('file.bin') // die $s3->errstr);
	$bucket->set_acl({ key => 'file.bin', acl_short => 'public-read' }) or die $s3->errstr;
	my $key = grants($bucket->get_acl('file.bin') // die $s3->errstr);
	my $anon = $ua->get("$params->{endpoint}/$B/file.bin");
	$bucket->set_acl({ acl_short => 'public-read' }) or die $s3->errstr;
	my $bucket_grants = grants($bucket->get_acl // die $s3->errstr);
	$bucket->set_acl({ key => 'file.bin', acl_short => 'private' }) or die $s3->errstr;
	$bucket->set_acl({ acl_short => 'private' }) or die $s3->errstr;
	my $after = $ua->get("$params->{endpoint}/$B/file.bin");
	return {
		before => $before, key => $key, bucket => $bucket_grants, anon_status => $anon->code + 0,
		anon_same => bool($anon->content eq pattern(70_000, 'file')), anon_after => $after->code + 0,
	};
});

step('query_string_authentication_uri: GET (legacy and Client), PUT (Client), expired', sub {
	my $body = 'sent through a presigned URL';
	my $object = $client->bucket(name => $B)->object(key => "presigned \x{fc}.txt", expires => time + 300);
	my $put_uri = $object->query_string_authentication_uri_for_method('PUT');
	# HTTP::Request, not $ua->put: that adds a form Content-Type, which SigV2 signs as empty here.
	my $put = $ua->request(HTTP::Request->new(PUT => $put_uri, [], $body));
	my $get_uri = $bucket->query_string_authentication_uri("presigned \x{fc}.txt", time + 300);
	my $get = $ua->get($get_uri);
	my $client_get = $ua->get($object->query_string_authentication_uri);
	my $old = $ua->get($bucket->query_string_authentication_uri("presigned \x{fc}.txt", time - 10));
	my ($old_code) = $old->decoded_content =~ m{<Code>([^<]+)</Code>};
	return {
		put_uri => "$put_uri", put_status => $put->code + 0, get_status => $get->code + 0, same => bool($get->content eq $body),
		client_get_status => $client_get->code + 0, expired_status => $old->code + 0, expired_code => $old_code,
	};
});

step('add_tags and delete_tags on a key and on the bucket; get_location_constraint', sub {
	# Under SigV2 the module leaves ?tagging out of the string it signs (Signature::V2 keeps only
	# acl, torrent, location, uploads, delete): S3 signs it (botocore's HmacV1Auth lists it), so
	# both answer SignatureDoesNotMatch.
	my $result = sub { $_[0] ? 'ok' : $s3->err };
	return {
		key_add       => $result->($bucket->add_tags({ key => 'file.bin', tags => { a => 'b c', n => '1' } })),
		bucket_add    => $result->($bucket->add_tags({ tags => { team => 'perl' } })),
		key_delete    => $result->($bucket->delete_tags({ key => 'file.bin' })),
		bucket_delete => $result->($bucket->delete_tags({})),
		location      => $bucket->get_location_constraint,
	};
});

step('delete_multi_object of three keys (one missing), delete_key', sub {
	$bucket->delete_multi_object('list/k00', 'list/k01', 'never-there') or die $s3->errstr;
	$bucket->delete_key('list/k02') or die $s3->errstr;
	my $left = $s3->list_bucket({ bucket => $B, prefix => 'list/k0' }) or die $s3->errstr;
	return { left => [ map { $_->{key} } @{ $left->{keys} } ] };
});

step('a wrong secret key: SignatureDoesNotMatch', sub {
	my $bad = connect_s3('wrong-secret-key-000000000000000000000');
	my $ok = $bad->list_bucket({ bucket => $B });
	return { error => $ok ? undef : $bad->err };
});

step('delete_bucket: not empty (error code), emptied, deleted', sub {
	my $full = legacy_error($bucket->delete_bucket);
	my $all = $s3->list_bucket_all({ bucket => $B }) or die $s3->errstr;
	$bucket->delete_key($_->{key}) or die $s3->errstr for @{ $all->{keys} };
	$bucket->delete_bucket or die $s3->errstr;
	return { full => $full, gone => bool(!grep { $_->bucket eq $B } @{ $s3->buckets->{buckets} }) };
});
