// The same package from CommonJS TypeScript (`module: nodenext`).
import natskit = require('natskit')

export async function roundTrip(url: string): Promise<string> {
  const nc: natskit.Client = await natskit.connect(url)
  const reply: natskit.Message = await nc.request('ts.cjs', 'x', { timeout: 1000 })
  await nc.close()
  return reply.string()
}
