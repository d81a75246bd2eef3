using System.CommandLine;
using System.Globalization;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.CommandLine;

/// <summary>
/// <c>vsa-fleet audit verify</c>: the audit log's hash chain, then its signed checkpoints; <c>vsa-fleet audit checkpoint</c>:
/// sign and append a checkpoint of the chain's head now. Exit codes: 0 intact (written), 1 not intact, 2 no database or no log.
/// </summary>
internal static class AuditCommands
{
    private const string CheckpointFiles = "The checkpoints: --Fleet:Audit:CheckpointFile <file> and --Fleet:Audit:CheckpointKeyFile <file> (default: in the data folder).";

    public static Command Create(FleetConsole console)
    {
        var verifyDatabase = new DatabaseOptions();
        var verify = verifyDatabase.AddTo(new Command("verify", $"Verify the audit log's hash chain and its signed checkpoints.{Environment.NewLine}{CheckpointFiles}"));
        verify.SetAction(FleetCommandLine.Guarded(console.Error, (r, ct) => VerifyAsync(verifyDatabase.Read(r), console.Output, console.Error, ct)));

        var checkpointDatabase = new DatabaseOptions();
        var checkpoint = checkpointDatabase.AddTo(new Command("checkpoint", $"Sign and append a checkpoint of the chain's head now.{Environment.NewLine}{CheckpointFiles}"));
        checkpoint.SetAction(FleetCommandLine.Guarded(console.Error, (r, ct) => CheckpointAsync(checkpointDatabase.Read(r), console.Output, console.Error, ct)));

        return new Command("audit", "The audit log: verify it, or sign a checkpoint of it.") { verify, checkpoint };
    }

    private static async Task<int> VerifyAsync(DatabaseArguments arguments, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        using var host = FleetCommandLine.BuildHost(arguments);
        var database = host.Services.GetRequiredService<FleetDatabase>();
        if (database.SqliteFile is { } file && !File.Exists(file))
        {
            await error.WriteLineAsync($"No database at {file}.");
            return 2;
        }

        var version = await host.Services.GetRequiredService<MigrationRunner>().CurrentVersionAsync(cancellationToken);
        if (version < 3)
        {
            await error.WriteLineAsync($"{database.Description} has no audit log (schema version {version}).");
            return 2;
        }

        var result = await AuditVerifier.VerifyAsync(database, cancellationToken);
        if (result.Problem is { } problem)
        {
            await error.WriteLineAsync($"Audit log of {database.Description} is NOT intact: {problem.Message} ({N(result.Entries)} entries read)");
            return 1;
        }

        var checkpoints = host.Services.GetRequiredService<AuditCheckpoints>();
        var against = await AuditCheckpointVerifier.VerifyAsync(database, checkpoints.FilePath, checkpoints.KeyPath, result.HeadSequence, cancellationToken);
        if (against.Problem is { } mismatch)
        {
            await error.WriteLineAsync($"Audit log of {database.Description} is NOT intact: {mismatch} ({N(result.Entries)} entries read, {N(against.Checked)} checkpoints matched before)");
            return 1;
        }

        await output.WriteLineAsync($"Audit log of {database.Description} intact: {N(result.Entries)} entries; head #{N(result.HeadSequence)} {result.HeadHash}");
        await output.WriteLineAsync(against.Latest is { } latest
            ? $"Checkpoints: {N(against.Checked)} signed checkpoints match ({checkpoints.FilePath}); the latest, #{N(latest.Sequence)} at {latest.At:yyyy-MM-dd HH:mm:ss}Z, is {N(result.HeadSequence - latest.Sequence)} entries behind the head."
            : $"Warning: {against.Warning}");
        return 0;
    }

    private static async Task<int> CheckpointAsync(DatabaseArguments arguments, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        using var host = FleetCommandLine.BuildHost(arguments);
        var database = host.Services.GetRequiredService<FleetDatabase>();
        if (database.SqliteFile is { } file && !File.Exists(file))
        {
            await error.WriteLineAsync($"No database at {file}.");
            return 2;
        }

        var checkpoints = host.Services.GetRequiredService<AuditCheckpoints>();
        try
        {
            var written = await checkpoints.WriteAsync(onlyIfGrown: false, cancellationToken);
            await output.WriteLineAsync($"Checkpoint #{N(written.Sequence)} {written.HeadHash} signed with key {written.KeyId}, appended to {checkpoints.FilePath}");
            return 0;
        }
        catch (AuditCheckpointException ex)
        {
            await error.WriteLineAsync($"Audit log of {database.Description} is NOT intact, no checkpoint written: {ex.Message}");
            return 1;
        }
    }

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
}
