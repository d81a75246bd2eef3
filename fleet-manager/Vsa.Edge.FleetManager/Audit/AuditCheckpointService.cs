using Microsoft.Extensions.Options;

namespace Vsa.Edge.FleetManager.Audit;

/// <summary>
/// Writes a checkpoint every <see cref="AuditCheckpointOptions.CheckpointInterval"/> when the chain has grown
/// (<c>POST /api/audit/checkpoints</c> and <c>vsa-fleet audit checkpoint</c> write one on demand). None at shutdown: a host
/// torn down while stopping would write it into a folder being removed; the interval bounds what a crash leaves uncovered.
/// </summary>
public sealed partial class AuditCheckpointService(AuditCheckpoints checkpoints, IOptions<AuditCheckpointOptions> options, TimeProvider timeProvider, ILogger<AuditCheckpointService> logger)
    : BackgroundService
{
    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                await Task.Delay(options.Value.CheckpointInterval, timeProvider, stoppingToken);
                await TryWriteAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task TryWriteAsync(CancellationToken cancellationToken)
    {
        try
        {
            await checkpoints.WriteAsync(onlyIfGrown: true, cancellationToken);
        }
        catch (AuditCheckpointException ex)
        {
            LogChainBroken(logger, ex.Message);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or System.Data.Common.DbException)
        {
            LogWriteFailed(logger, checkpoints.FilePath, ex);
        }
        catch (ObjectDisposedException ex)
        {
            // A host torn down without a graceful stop (a test server disposed first): the next start writes the checkpoint.
            LogWriteFailed(logger, checkpoints.FilePath, ex);
        }
    }

    [LoggerMessage(EventId = 2211, Level = LogLevel.Critical, Message = "Audit checkpoint refused, the audit chain does not extend the last checkpoint: {Problem}")]
    private static partial void LogChainBroken(ILogger logger, string problem);

    [LoggerMessage(EventId = 2212, Level = LogLevel.Error, Message = "Could not write an audit checkpoint to {File}")]
    private static partial void LogWriteFailed(ILogger logger, string file, Exception exception);
}
