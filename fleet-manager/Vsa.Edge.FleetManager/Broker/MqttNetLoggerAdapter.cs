using System.Globalization;
using MQTTnet.Diagnostics.Logger;

namespace Vsa.Edge.FleetManager.Broker;

/// <summary>Routes MQTTnet's own diagnostics into Microsoft.Extensions.Logging (categories <c>MQTTnet.*</c>).</summary>
/// <param name="logger">Where to write.</param>
/// <param name="ceiling">
/// Highest level written. The ingestion client caps MQTTnet at Warning: it reports every failed connection attempt as an
/// error, while the ingestion already logs the attempt and the back-off in its own terms.
/// </param>
public sealed partial class MqttNetLoggerAdapter(ILogger logger, LogLevel ceiling = LogLevel.Critical) : IMqttNetLogger
{
    /// <inheritdoc />
    public bool IsEnabled => logger.IsEnabled(LogLevel.Debug);

    /// <inheritdoc />
    public void Publish(MqttNetLogLevel level, string source, string message, object[] parameters, Exception exception)
    {
        // MQTTnet's "info" is chatty connection bookkeeping; our own services log what an operator needs at Information.
        var mapped = level switch
        {
            MqttNetLogLevel.Verbose => LogLevel.Trace,
            MqttNetLogLevel.Info => LogLevel.Debug,
            MqttNetLogLevel.Warning => LogLevel.Warning,
            _ => LogLevel.Error,
        };
        mapped = mapped > ceiling ? ceiling : mapped;
        if (!logger.IsEnabled(mapped))
        {
            return;
        }

        var text = parameters is { Length: > 0 } ? string.Format(CultureInfo.InvariantCulture, message, parameters) : message;
        Log(logger, mapped, source, text, exception);
    }

    [LoggerMessage(EventId = 2100, Message = "{Source}: {Text}")]
    private static partial void Log(ILogger logger, LogLevel level, string source, string text, Exception? exception);
}
