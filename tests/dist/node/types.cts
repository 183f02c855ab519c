// The shipped types, from CommonJS.
import natskit = require('natskit')

export async function publish(url: string): Promise<void> {
  const nc: natskit.Client = await natskit.connect(url)
  nc.publish('dist.types', { id: 1 })
  await nc.close()
}
