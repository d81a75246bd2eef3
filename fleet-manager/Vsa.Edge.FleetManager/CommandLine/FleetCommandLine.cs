using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Options;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Reports;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.CommandLine;

/// <summary>
/// The sub-commands of <c>vsa-fleet</c>, run instead of the web host when the first argument names one. They read the same
/// configuration as the service (appsettings.json, <c>Fleet__…</c> variables, <c>--Fleet:…</c> arguments), so they open the
/// database the service uses; <c>--db</c> and <c>--provider</c> override it. Exit codes: 0 done, 1 the answer is "no" (chain
/// broken, name taken), 2 usage or environment error.
/// </summary>
public static class FleetCommandLine
{
    /// <summary>Usage text.</summary>
    public const string Usage = """
        vsa-fleet audit verify [--db <sqlite file | connection string>] [--provider Sqlite|Postgres]
                  [--Fleet:Audit:CheckpointFile <file>] [--Fleet:Audit:CheckpointKeyFile <file>]
        vsa-fleet audit checkpoint [same options]: sign and append a checkpoint of the chain's head now
        vsa-fleet accounts create-admin --name <name> --display-name <text> --designation-ref <text>
                  --designation-date <yyyy-MM-dd> --training-date <yyyy-MM-dd> --password-stdin [--db …] [--provider …]
        vsa-fleet accounts create --role operator|admin|auditor (same options as create-admin)
        vsa-fleet report aipd|bilan --authorisation <reference> [--format html|csv] [--out <file>] [--db …] [--provider …]
        vsa-fleet bench reports --db <new sqlite file> [--alerts <count, default 100000>]: time the AIPD and the bilan
        vsa-fleet models upload <package.vsamodel> | models list [--db …] [--provider …] [--Fleet:Models:SigningKeys:0 <pem file>]
        vsa-fleet rollouts list|show|start|pause|resume|promote|abort … --fleet <url> --name <admin> --password-stdin (over the API)
        Any --Fleet:Section:Key value pair is passed to the configuration.
        """;

    private static readonly string[] ValueFlags = ["--db", "--provider", "--name", "--display-name", "--designation-ref", "--designation-date", "--training-date", "--role", "--authorisation", "--format", "--out", "--alerts"];

    /// <summary>Whether <paramref name="args"/> asks for a sub-command rather than the service.</summary>
    public static bool IsCommand(string[] args) => args is ["audit" or "accounts" or "report" or "bench" or "models" or "rollouts", ..];

    /// <summary>Runs the sub-command and returns the process exit code.</summary>
    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        // "models upload" takes a file: it parses its own arguments.
        if (!TryParse(args is ["models" or "rollouts", ..] ? [] : args.AsSpan(2), out var flags, out var configuration, out var problem))
        {
            await error.WriteLineAsync($"{problem}{Environment.NewLine}{Usage}");
            return 2;
        }

        try
        {
            return (args[0], args.ElementAtOrDefault(1)) switch
            {
                ("audit", "verify") => await VerifyAsync(flags, configuration, output, error, cancellationToken),
                ("audit", "checkpoint") => await CheckpointAsync(flags, configuration, output, error, cancellationToken),
                ("accounts", "create-admin") => await AccountCommands.CreateAsync(Role.Admin, flags, configuration, input, output, error, cancellationToken),
                ("accounts", "create") => await AccountCommands.CreateAsync(null, flags, configuration, input, output, error, cancellationToken),
                ("bench", "reports") => await ReportBench.RunAsync(flags, configuration, output, error, cancellationToken),
                ("models", _) => await ModelCommands.RunAsync(args, output, error, cancellationToken),
                ("rollouts", _) => await RolloutCommands.RunAsync(args, input, output, error, null, cancellationToken),
                ("report", "aipd" or "bilan") => await Reports.ReportCommands.RunAsync(args[1], flags, configuration, output, error, cancellationToken),
                _ => await UsageAsync(error, $"Unknown command '{string.Join(' ', args.Take(2))}'."),
            };
        }
        catch (OptionsValidationException ex)
        {
            await error.WriteLineAsync($"Invalid configuration: {ex.Message}");
            return 2;
        }
        catch (DbException ex)
        {
            await error.WriteLineAsync($"Database error: {ex.Message}");
            return 2;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            await error.WriteLineAsync($"Audit checkpoint file or key unusable: {ex.Message}");
            return 2;
        }
    }

    /// <summary>
    /// A host with the database, the audit log and the account stores, configured like the service plus the overrides of
    /// <paramref name="flags"/>. Not started: the commands only use its services.
    /// </summary>
    internal static IHost BuildHost(Dictionary<string, string> flags, List<string> configuration, Action<IServiceCollection>? more = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [.. configuration] });
        builder.Logging.ClearProviders();
        var overrides = new Dictionary<string, string?>();
        if (flags.TryGetValue("--provider", out var provider))
        {
            overrides[$"{StorageOptions.SectionName}:Provider"] = provider;
        }

        if (flags.TryGetValue("--db", out var db))
        {
            var isPostgres = string.Equals(provider ?? builder.Configuration[$"{StorageOptions.SectionName}:Provider"], nameof(StorageProvider.Postgres), StringComparison.OrdinalIgnoreCase);

            // A relative SQLite path given on the command line is relative to where the command runs.
            overrides[$"{StorageOptions.SectionName}:{(isPostgres ? "Postgres" : "Sqlite")}"] = isPostgres || db.Contains('=', StringComparison.Ordinal) ? db : Path.GetFullPath(db);

            // A SQLite file named on the command line brings its data folder, where the audit checkpoints are unless configured elsewhere.
            if (!isPostgres && !db.Contains('=', StringComparison.Ordinal))
            {
                overrides[$"{StorageOptions.SectionName}:DataDirectory"] = Path.GetDirectoryName(Path.GetFullPath(db));
            }
        }

        builder.Configuration.AddInMemoryCollection(overrides);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddFleetDatabase();
        builder.Services.AddFleetAudit();
        builder.Services.AddFleetAccountStores();
        builder.Services.AddFleetReportSources();
        more?.Invoke(builder.Services);
        return builder.Build();
    }

    internal static async Task<int> UsageAsync(TextWriter error, string problem)
    {
        await error.WriteLineAsync($"{problem}{Environment.NewLine}{Usage}");
        return 2;
    }

    private static async Task<int> VerifyAsync(Dictionary<string, string> flags, List<string> configuration, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        using var host = BuildHost(flags, configuration);
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

    private static async Task<int> CheckpointAsync(Dictionary<string, string> flags, List<string> configuration, TextWriter output, TextWriter error, CancellationToken cancellationToken)
    {
        using var host = BuildHost(flags, configuration);
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

    internal static bool TryParse(ReadOnlySpan<string> args, out Dictionary<string, string> flags, out List<string> configuration, out string problem)
    {
        flags = new Dictionary<string, string>(StringComparer.Ordinal);
        configuration = [];
        problem = string.Empty;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            if (arg == "--password-stdin")
            {
                flags[arg] = "true";
            }
            else if (ValueFlags.Contains(arg) || (arg.StartsWith("--", StringComparison.Ordinal) && arg.Contains(':', StringComparison.Ordinal)))
            {
                if (i + 1 >= args.Length)
                {
                    problem = $"{arg} needs a value.";
                    return false;
                }

                if (ValueFlags.Contains(arg))
                {
                    flags[arg] = args[++i];
                }
                else
                {
                    configuration.Add(arg);
                    configuration.Add(args[++i]);
                }
            }
            else
            {
                problem = $"Unknown argument '{arg}'.";
                return false;
            }
        }

        return true;
    }

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
}
