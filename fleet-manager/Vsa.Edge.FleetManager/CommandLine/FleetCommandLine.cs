using System.CommandLine;
using System.Data.Common;
using Microsoft.Extensions.Options;
using Vsa.Edge.CommandLine;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Audit;
using Vsa.Edge.FleetManager.Broker;
using Vsa.Edge.FleetManager.Reports;
using Vsa.Edge.FleetManager.Storage;

namespace Vsa.Edge.FleetManager.CommandLine;

/// <summary>
/// The command line of <c>vsa-fleet</c> (System.CommandLine, with the conventions of <see cref="CliRunner"/>): without a
/// command it runs the service, whose host reads every argument as configuration (<c>--urls</c>, <c>--Fleet:…</c>); a first
/// argument that names a command (or <c>--help</c>) runs that command instead, without the web host. The database commands
/// read the same configuration as the service (appsettings.json, <c>Fleet__…</c> variables, <c>--Fleet:…</c> arguments), so
/// they open the database the service uses; <c>--db</c> and <c>--provider</c> override it. Exit codes: 0 done, 1 the answer
/// is "no" (chain broken, name taken, refused), 2 usage or environment error.
/// </summary>
public static class FleetCommandLine
{
    /// <summary>The root command's description, the first lines of <c>vsa-fleet --help</c>.</summary>
    public const string Description = """
        The fleet manager. Without a command it runs the service (API, console, broker, ingestion), configured by
        appsettings.json, Fleet__… variables and arguments such as --urls http://127.0.0.1:5080 or --Fleet:Section:Key value
        (configuration only: --Section:Key value, Key=value, or a host key such as --urls, --environment, --contentRoot;
        any other option is a usage error).
        The commands below run on the same configuration and database, without the web host.
        Exit codes: 0 done, 1 the answer is no (chain broken, name taken, refused), 2 usage or environment error.
        """;

    /// <summary>
    /// Whether <paramref name="args"/> asks for a command (or the root's help) rather than the service: its first argument
    /// names a command or a root option, or is a bare word (a mistyped command: "error: unrecognized command", exit 2,
    /// rather than a service started on the default ports), or the arguments are not the service's configuration
    /// (<see cref="ServiceArguments"/>: a mistyped option such as <c>--hlep</c> is a usage error, exit 2). The service's own
    /// arguments are configuration keys (<c>--Fleet:Section:Key value</c>, <c>/Key value</c>, <c>Key=value</c>) and the host's
    /// keys without a section (<c>--urls …</c>, <c>--environment …</c>, <c>--contentRoot …</c>).
    /// </summary>
    public static bool IsCommand(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0)
        {
            return false;
        }

        var first = args[0];
        return NamesCommand(first) || ServiceArguments.Problem(args) is not null;
    }

    /// <summary>Runs the command and returns the process exit code.</summary>
    public static Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error, CancellationToken cancellationToken) =>
        RunAsync(args, new FleetConsole(input, output, error), cancellationToken);

    /// <summary>Runs the command on <paramref name="console"/> (whose HTTP client factory the tests set).</summary>
    internal static async Task<int> RunAsync(string[] args, FleetConsole console, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length > 0 && !NamesCommand(args[0]) && ServiceArguments.Problem(args) is { } problem)
        {
            // The service's arguments, one of them wrong: say which rather than start on the defaults.
            await console.Error.WriteLineAsync($"error: {problem}");
            await console.Error.WriteLineAsync("see 'vsa-fleet --help'");
            return CliRunner.ExitUsage;
        }

        return await CliRunner.InvokeAsync(Root(console), args, console.Output, console.Error, cancellationToken);
    }

    // A command, a root option (--help, --version), or a bare word (a mistyped command, which the parser names).
    private static bool NamesCommand(string first)
    {
        var root = Root(new FleetConsole(TextReader.Null, TextWriter.Null, TextWriter.Null));
        return root.Options.Any(o => o.Name == first || o.Aliases.Contains(first))
            || !(first.StartsWith('-') || first.StartsWith('/') || first.Contains('=', StringComparison.Ordinal));
    }

    /// <summary>The command tree.</summary>
    internal static RootCommand Root(FleetConsole console)
    {
        var root = new RootCommand(Description);
        root.Subcommands.Add(AuditCommands.Create(console));
        root.Subcommands.Add(AccountCommands.Create(console));
        root.Subcommands.Add(ReportCommands.Create(console));
        root.Subcommands.Add(ReportBench.Create(console));
        root.Subcommands.Add(ModelCommands.Create(console));
        root.Subcommands.Add(RolloutCommands.Create(console));
        root.Subcommands.Add(BrokerCommands.Create(console));
        return root;
    }

    /// <summary>
    /// <paramref name="action"/>, with the failures of the configuration, the database and the audit files turned into a
    /// message on <paramref name="error"/> and exit code 2.
    /// </summary>
    internal static Func<ParseResult, CancellationToken, Task<int>> Guarded(TextWriter error, Func<ParseResult, CancellationToken, Task<int>> action) =>
        UsageChecked(error, async (parseResult, cancellationToken) =>
        {
            try
            {
                return await action(parseResult, cancellationToken);
            }
            catch (OptionsValidationException ex)
            {
                await error.WriteLineAsync($"Invalid configuration: {ex.Message}");
                return 2;
            }
            catch (InvalidOperationException ex) when (IsBindingFailure(ex))
            {
                // A value the options binder cannot convert (--Fleet:Storage:Provider=Oracle): the key and the type, no stack trace.
                await error.WriteLineAsync($"Invalid configuration: {ex.Message}{(ex.InnerException is { } inner ? $" {inner.Message}" : string.Empty)}");
                return 2;
            }
            catch (DbException ex)
            {
                await error.WriteLineAsync($"Database error: {ex.Message}");
                return 2;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
            {
                await error.WriteLineAsync($"File or key unusable: {ex.Message}");
                return 2;
            }
        });

    /// <summary>Whether <paramref name="ex"/> is the configuration binder's "Failed to convert configuration value at 'Key'".</summary>
    internal static bool IsBindingFailure(InvalidOperationException ex) =>
        ex.Message.StartsWith("Failed to convert configuration value", StringComparison.Ordinal);

    /// <summary>
    /// <paramref name="action"/>, with a usage error it finds (a wrong configuration key) written <c>error: …</c> on
    /// <paramref name="error"/>, exit code 2 (System.CommandLine's default exception handler would make it exit 1 with a
    /// stack trace).
    /// </summary>
    internal static Func<ParseResult, CancellationToken, Task<int>> UsageChecked(TextWriter error, Func<ParseResult, CancellationToken, Task<int>> action) =>
        async (parseResult, cancellationToken) =>
        {
            try
            {
                return await action(parseResult, cancellationToken);
            }
            catch (CliUsageException ex)
            {
                await error.WriteLineAsync($"error: {ex.Message}");
                return CliRunner.ExitUsage;
            }
        };

    /// <summary>
    /// A host with the database, the audit log and the account stores, configured like the service plus the overrides of
    /// <paramref name="database"/>. Not started: the commands only use its services.
    /// </summary>
    internal static IHost BuildHost(DatabaseArguments database, Action<IServiceCollection>? more = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [.. database.Configuration] });
        builder.Logging.ClearProviders();
        var overrides = new Dictionary<string, string?>();
        if (database.Provider is { } provider)
        {
            overrides[$"{StorageOptions.SectionName}:Provider"] = provider;
        }

        if (database.Db is { } db)
        {
            var isPostgres = string.Equals(database.Provider ?? builder.Configuration[$"{StorageOptions.SectionName}:Provider"], nameof(StorageProvider.Postgres), StringComparison.OrdinalIgnoreCase);

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
}

/// <summary>Where a command reads the password and writes; <paramref name="Client"/> makes the HTTP client for a base URL (tests).</summary>
internal sealed record FleetConsole(TextReader Input, TextWriter Output, TextWriter Error, Func<Uri, HttpClient>? Client = null);

/// <summary>The database a command works on: <c>--db</c>, <c>--provider</c> and the configuration keys of its command line.</summary>
internal sealed record DatabaseArguments(string? Db, string? Provider, IReadOnlyList<string> Configuration);

/// <summary>The options <c>--db</c> and <c>--provider</c>, and the configuration keys, of a command on the fleet's database.</summary>
internal sealed class DatabaseOptions
{
    private readonly Option<string> _db = new("--db")
    {
        Description = "The database: a SQLite file, or a connection string (default: the configured one)",
        HelpName = "sqlite file | connection string",
    };

    private readonly Option<string> _provider = new("--provider")
    {
        Description = "Sqlite or Postgres (default: the configured Fleet:Storage:Provider)",
        HelpName = "Sqlite|Postgres",
    };

    /// <summary>Adds the options to <paramref name="command"/> and lets it take configuration keys.</summary>
    public Command AddTo(Command command)
    {
        command.Options.Add(_db);
        command.Options.Add(_provider);
        command.Description = $"{command.Description}{Environment.NewLine}{CliConfigurationArguments.Help}";
        return command.AcceptingConfiguration();
    }

    /// <summary>The values given (a wrong configuration key is a <see cref="CliUsageException"/>).</summary>
    public DatabaseArguments Read(ParseResult parseResult) =>
        new(parseResult.GetValue(_db), parseResult.GetValue(_provider), CliConfigurationArguments.Read(parseResult));
}
