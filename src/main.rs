use tasklist::{config::Config, startup::Application, telemetry};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let config = Config::from_env()?;
    telemetry::init(&config.log_filter, config.log_json);
    tracing::info!(?config, "starting");

    let app = Application::build(config).await?;
    tracing::info!("listening on http://{}", app.local_addr());
    app.run_until_stopped().await?;
    tracing::info!("stopped");
    Ok(())
}
