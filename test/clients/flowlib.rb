# frozen_string_literal: true

# Helpers shared by the Ruby client flows in test/clients (ruby_flow.rb, fog_flow.rb): one JSON line
# per step on stdout, which the TypeScript test reads (harness.ts flowSteps) and asserts.
require 'digest'
require 'json'

# Run the block as step `name`: print its facts with ok: true, or the error with ok: false.
def step(name)
  facts = yield
  puts JSON.generate({ step: name, ok: true }.merge(facts || {}))
rescue StandardError => e
  puts JSON.generate(step: name, ok: false, error: "#{e.class}: #{e.message}", trace: e.backtrace.first(8).join("\n"))
ensure
  $stdout.flush
end

# Deterministic bytes (no randomness the test would have to know about).
def pattern(size, seed)
  block = Digest::SHA256.digest(seed) * 32 # 1 KiB
  (block * ((size / block.bytesize) + 1)).byteslice(0, size)
end
