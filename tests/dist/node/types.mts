// The shipped types, from an ES module.
import natskit, { connect, type Client, type Message } from 'natskit'

export async function roundTrip(url: string): Promise<string> {
  const nc: Client = await connect(url)
  const reply: Message = await nc.request('dist.types', 'x', { timeout: 1000 })
  await natskit.connect(url)
  return reply.string()
}
