'use strict'
// Services (micro): endpoints read with next()/for await or a handler, error headers, exact
// stats, discovery, queue group `q` across instances, stop.

const test = require('node:test')
const assert = require('node:assert/strict')

const { connect } = require('..')
const { serverAndClient } = require('./helpers')

test('services', async (t) => {
  const { server, nc } = await serverAndClient()
  const caller = await connect(server.url)
  t.after(async () => {
    await caller.close()
    await nc.close()
    await server.stop()
  })

  await t.test('a handler answers data and errors; stats count them exactly', async () => {
    const service = await nc.addService({
      name: 'adder', version: '1.0.0', description: 'adds', metadata: { team: 'node' },
    })
    const math = service.addGroup('math')
    await math.addEndpoint('add', {
      metadata: { unit: 'int' },
      handler: async (request) => {
        const { a, b } = request.json()
        if (b === 0) throw new Error('b must not be 0')
        if (a < 0) return request.respondError(422, 'negative')
        await request.respond({ sum: a + b }, { headers: { 'X-By': 'node' } })
      },
    })
    const ok = await caller.request('math.add', { a: 1, b: 2 })
    assert.deepEqual(ok.json(), { sum: 3 })
    assert.equal(ok.header('X-By'), 'node')
    const thrown = await caller.request('math.add', { a: 1, b: 0 })
    assert.equal(thrown.header('Nats-Service-Error'), 'b must not be 0')
    assert.equal(thrown.header('Nats-Service-Error-Code'), '500')
    const refused = await caller.request('math.add', { a: -1, b: 1 })
    assert.equal(refused.header('Nats-Service-Error-Code'), '422')
    assert.equal(refused.data.length, 0)

    const stats = await service.stats()
    const [add] = stats.endpoints
    assert.deepEqual([add.name, add.subject, add.queue_group], ['math-add', 'math.add', 'q'])
    assert.deepEqual([add.num_requests, add.num_errors], [3, 2])
    assert.equal(add.last_error, '422:negative')
    assert.ok(add.processing_time > 0 && add.processing_time < 5000, 'milliseconds')
    assert.deepEqual(service.info().endpoints, [
      { name: 'math-add', subject: 'math.add', queue_group: 'q', metadata: { unit: 'int' } },
    ])

    const [info] = await caller.serviceInfo({ name: 'adder' })
    assert.equal(info.type, 'io.nats.micro.v1.info_response')
    assert.deepEqual([info.id, info.description, info.metadata], [service.id, 'adds', { team: 'node' }])
    const [remote] = await caller.serviceStats({ name: 'adder', id: service.id })
    assert.deepEqual([remote.endpoints[0].num_requests, remote.endpoints[0].num_errors], [3, 2])
    await service.stop()
    assert.equal(service.isStopped, true)
    assert.deepEqual(await caller.servicePing({ name: 'adder', timeout: 300 }), [])
  })

  await t.test('for await reads requests of two instances sharing queue group q until stop', async () => {
    const other = await connect(server.url)
    const services = [
      await nc.addService({ name: 'echo', version: '2.0.0' }),
      await other.addService({ name: 'echo', version: '2.0.0' }),
    ]
    const endpoints = []
    for (const service of services) {
      endpoints.push(await service.addEndpoint('echo.say', { name: 'say' }))
    }
    assert.equal(await endpoints[0].next(10), null)
    const served = [0, 0]
    const loops = endpoints.map(async (endpoint, i) => {
      for await (const request of endpoint) {
        served[i] += 1
        await request.respond(request.string().toUpperCase())
        await assert.rejects(request.respond('twice'), { code: 'INVALID_ARGUMENT' })
      }
    })
    for (let i = 0; i < 30; i++) {
      assert.equal((await caller.request('echo.say', 'hi')).string(), 'HI')
    }
    const pings = await caller.servicePing({ name: 'echo' })
    assert.deepEqual(pings.map((p) => p.id).sort(), services.map((s) => s.id).sort())
    assert.ok(pings.every((p) => p.type === 'io.nats.micro.v1.ping_response' && p.version === '2.0.0'))
    for (const service of services) await service.stop()
    await Promise.all(loops)
    assert.equal(served[0] + served[1], 30)
    assert.ok(served[0] > 0 && served[1] > 0, `both instances answered: ${served}`)
    await other.close()
  })

  await t.test('bad names, versions and handlers are refused', async () => {
    await assert.rejects(nc.addService({ name: 'adder', version: '1.0' }), { code: 'INVALID_ARGUMENT' })
    await assert.rejects(nc.addService({ name: 'a b', version: '1.0.0' }), { code: 'INVALID_ARGUMENT' })
    const service = await nc.addService({ name: 'checked', version: '1.0.0' })
    await assert.rejects(service.addEndpoint('a..b'), { code: 'INVALID_SUBJECT' })
    await assert.rejects(service.addEndpoint('a', { handler: 'nope' }), { code: 'INVALID_ARGUMENT' })
    await assert.rejects(caller.servicePing({ id: 'x' }), { code: 'INVALID_ARGUMENT' })
    await service.stop()
  })
})
