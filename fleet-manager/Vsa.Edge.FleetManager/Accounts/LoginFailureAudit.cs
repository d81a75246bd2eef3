using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using Vsa.Edge.FleetManager.Audit;

namespace Vsa.Edge.FleetManager.Accounts;

/// <summary>
/// Failed sign-ins in the audit log without one row per attempt: the first failure of an (actor, client address, reason)
/// is written at once, the following ones of the same interval are counted in memory and written as one entry with
/// <c>count</c>, <c>from</c> and <c>to</c> at the end of the interval (<see cref="AccountsOptions.FailureAuditInterval"/>) and
/// when the service stops. A flood of a million wrong passwords from one address costs two rows per interval.
/// </summary>
public sealed partial class LoginFailureAudit(IAuditLog audit, IOptions<AccountsOptions> options, TimeProvider timeProvider, ILogger<LoginFailureAudit> logger)
    : BackgroundService
{
    /// <summary>Most distinct pairs counted in one interval; the others are counted under actor <c>*</c> and address <c>*</c>.</summary>
    public const int MaxPairs = 10_000;

    private readonly Lock _lock = new();
    private Dictionary<(string Actor, string Target, string Remote, string Reason), Pending> _pending = [];

    /// <summary>Records one refusal; writes an audit entry only for the first of its pair in the interval.</summary>
    public async Task RecordAsync(string actor, string target, string? remote, string reason, CancellationToken cancellationToken)
    {
        var key = (actor, target, remote ?? string.Empty, reason);
        var now = timeProvider.GetUtcNow();
        lock (_lock)
        {
            if (!_pending.ContainsKey(key) && _pending.Count >= MaxPairs)
            {
                key = ("*", string.Empty, "*", reason);
            }

            if (_pending.TryGetValue(key, out var pending))
            {
                pending.Count++;
                pending.Last = now;
                return;
            }

            _pending[key] = new Pending { First = now, Last = now };
        }

        await audit.AppendAsync(new AuditEvent(key.Item1, AuditActions.LoginFailed, key.Item2, new JsonObject
        {
            ["reason"] = reason,
            ["remote"] = remote,
        }), cancellationToken);
    }

    /// <summary>Writes one entry per pair with failures not yet written, then starts a new interval.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        Dictionary<(string Actor, string Target, string Remote, string Reason), Pending> ended;
        lock (_lock)
        {
            ended = _pending;
            _pending = [];
        }

        foreach (var ((actor, target, remote, reason), pending) in ended.Where(p => p.Value.Count > 0))
        {
            await audit.AppendAsync(new AuditEvent(actor, AuditActions.LoginFailed, target, new JsonObject
            {
                ["reason"] = reason,
                ["remote"] = remote.Length == 0 ? null : remote,
                ["count"] = pending.Count,
                ["from"] = pending.First.ToString("O", CultureInfo.InvariantCulture),
                ["to"] = pending.Last.ToString("O", CultureInfo.InvariantCulture),
            }), cancellationToken);
        }
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await FlushAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is System.Data.Common.DbException or ObjectDisposedException or OperationCanceledException)
        {
            LogFlushFailed(logger, ex);
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(options.Value.FailureAuditInterval, timeProvider, stoppingToken);
                await FlushAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (System.Data.Common.DbException ex)
            {
                LogFlushFailed(logger, ex);
            }
        }
    }

    [LoggerMessage(EventId = 2201, Level = LogLevel.Error, Message = "Could not write the aggregated sign-in failures to the audit log")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);

    private sealed class Pending
    {
        public long Count { get; set; }

        public DateTimeOffset First { get; init; }

        public DateTimeOffset Last { get; set; }
    }
}
