//! `natskit jetstream status`

use natskit::Client;

use crate::args::JetstreamCommand;
use crate::output::{cell, limit, pairs, Output};

/// Runs one jetstream command.
pub async fn run(client: &Client, command: &JetstreamCommand, out: &Output) -> natskit::Result<()> {
    match command {
        JetstreamCommand::Status => {
            let info = client.jetstream().account_info().await?;
            out.show(&info, || {
                let l = &info["limits"];
                pairs(&[
                    ("JetStream", "enabled".to_string()),
                    ("Domain", cell(&info["domain"])),
                    ("Streams", cell(&info["streams"])),
                    ("Consumers", cell(&info["consumers"])),
                    ("Memory used", cell(&info["memory"])),
                    ("Storage used", cell(&info["storage"])),
                    ("Max memory", limit(&l["max_memory"])),
                    ("Max storage", limit(&l["max_storage"])),
                    ("Max streams", limit(&l["max_streams"])),
                    ("Max consumers", limit(&l["max_consumers"])),
                ]);
            });
        }
    }
    Ok(())
}
