using System.Globalization;
using Microsoft.Data.Sqlite;
using Vsa.Edge.FleetManager.CommandLine;
using Vsa.Edge.FleetManager.Tests.Infrastructure;
using Vsa.Edge.Testing;

namespace Vsa.Edge.FleetManager.Tests.CommandLine;

/// <summary><c>vsa-fleet accounts create-admin</c> and <c>vsa-fleet audit verify</c>, in process and as the real executable.</summary>
public sealed class FleetCommandLineTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("vsa-fleet-cli-").FullName;

    private string DbPath => Path.Combine(_directory, "fleet.db");

    [Fact]
    public async Task CreateAdmin_FreshDatabase_AdminSignsInToTheService()
    {
        var (code, output, error) = await RunAsync(FleetApp.Password, [.. CreateAdmin("root"), "--db", DbPath]);

        Assert.True(code == 0, error);
        Assert.Contains("Created admin 'root'", output, StringComparison.Ordinal);
        await using var fleet = await FleetApp.StartAsync(dataDirectory: _directory, settings: new Dictionary<string, string?> { ["Fleet:Storage:Sqlite"] = "fleet.db" }, waitForSubscription: false);
        var login = await fleet.Http.PostAsync("/api/auth/login", System.Net.Http.Json.JsonContent.Create(new { name = "root", password = FleetApp.Password }));
        Assert.Equal(System.Net.HttpStatusCode.OK, login.StatusCode);
    }

    [Theory]
    [InlineData(null, "error: option '--password-stdin' is required: type or pipe the password on standard input")]
    [InlineData("short", "password must be 12 to 256 characters")]
    public async Task CreateAdmin_NoOrWeakPassword_Exits2WithoutCreatingAnything(string? password, string message)
    {
        string[] args = password is null ? [.. CreateAdmin("root").Where(a => a != "--password-stdin"), "--db", DbPath] : [.. CreateAdmin("root"), "--db", DbPath];

        var (code, _, error) = await RunAsync(password ?? string.Empty, args);

        Assert.Equal(2, code);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.False(File.Exists(DbPath));
    }

    [Fact]
    public async Task CreateAdmin_NameTaken_Exits1()
    {
        await RunAsync(FleetApp.Password, [.. CreateAdmin("root"), "--db", DbPath]);

        var (code, _, error) = await RunAsync(FleetApp.Password, [.. CreateAdmin("root"), "--db", DbPath]);

        Assert.Equal(1, code);
        Assert.Contains("exists", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditVerify_IntactThenTamperedThenDeleted_ExitCodesTellWhich()
    {
        await RunAsync(FleetApp.Password, [.. CreateAdmin("root"), "--db", DbPath]);
        await RunAsync(FleetApp.Password, [.. CreateAdmin("root2"), "--db", DbPath]);
        await RunAsync(FleetApp.Password, [.. CreateAdmin("root3"), "--db", DbPath]);

        var intact = await RunAsync(string.Empty, ["audit", "verify", "--db", DbPath]);
        Sql("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; UPDATE audit_log SET details = '{}' WHERE sequence = 2;");
        var tampered = await RunAsync(string.Empty, ["audit", "verify", "--db", DbPath]);
        Sql("DELETE FROM audit_log WHERE sequence = 2;");
        var deleted = await RunAsync(string.Empty, ["audit", "verify", "--db", DbPath]);

        Assert.True(intact.Code == 0, intact.Error);
        Assert.Contains("intact: 3 entries", intact.Output, StringComparison.Ordinal);
        Assert.Equal(1, tampered.Code);
        Assert.Contains("entry #2 does not match its hash: modified", tampered.Error, StringComparison.Ordinal);
        Assert.Equal(1, deleted.Code);
        Assert.Contains("entry #2 is missing: deleted", deleted.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AuditVerify_RealExecutable_ExitsNonZeroOnATamperedLog()
    {
        await RunAsync(FleetApp.Password, [.. CreateAdmin("root"), "--db", DbPath]);
        var fleet = Path.Combine(AppContext.BaseDirectory, "vsa-fleet");

        var intact = await ExternalProcess.RunAsync(fleet, "audit", "verify", "--db", DbPath);
        Sql("DROP TRIGGER audit_log_no_update; UPDATE audit_log SET actor = 'mallory' WHERE sequence = 1;");
        var tampered = await ExternalProcess.RunAsync(fleet, "audit", "verify", "--db", DbPath);
        var missing = await ExternalProcess.RunAsync(fleet, "audit", "verify", "--db", Path.Combine(_directory, "nothing.db"));

        Assert.True(intact.ExitCode == 0, intact.StandardError);
        Assert.Equal(1, tampered.ExitCode);
        Assert.Contains("modified", tampered.StandardError, StringComparison.Ordinal);
        Assert.Equal(2, missing.ExitCode);
        Assert.False(File.Exists(Path.Combine(_directory, "nothing.db")));
    }

    [Fact]
    public async Task AuditVerify_OnPostgres_ReadsTheConfiguredDatabase()
    {
        using var postgres = new PostgresFixture();
        var connection = postgres.CreateSchema();
        await RunAsync(FleetApp.Password, [.. CreateAdmin("root"), "--provider", "Postgres", "--db", connection]);

        var (code, output, error) = await RunAsync(string.Empty, ["audit", "verify", "--Fleet:Storage:Provider", "Postgres", "--Fleet:Storage:Postgres", connection]);

        Assert.True(code == 0, error);
        Assert.Contains("postgresql://127.0.0.1", output, StringComparison.Ordinal);
        Assert.Contains("intact: 1 entries", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownCommandOrArgument_Exits2NamingItAndPointingToHelp()
    {
        var unknown = await RunAsync(string.Empty, ["audit", "repair"]);
        var badFlag = await RunAsync(string.Empty, ["audit", "verify", "--force"]);
        var badKey = await RunAsync(string.Empty, ["audit", "verify", "--db", DbPath, "--Fleet:Audit:CheckpointFile"]);

        Assert.Equal((2, 2, 2), (unknown.Code, badFlag.Code, badKey.Code));
        Assert.Contains("error: Unrecognized command or argument 'repair'", unknown.Error, StringComparison.Ordinal);
        Assert.Contains(" audit --help'", unknown.Error, StringComparison.Ordinal);
        Assert.Contains("error: unrecognized argument '--force'", badFlag.Error, StringComparison.Ordinal);
        Assert.Contains(" audit verify --help'", badFlag.Error, StringComparison.Ordinal);
        Assert.Contains("error: configuration key '--Fleet:Audit:CheckpointFile' needs a value", badKey.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(DbPath));
    }

    [Fact]
    public async Task CreateAdmin_BadDateOrRole_Exits2NamingTheOptionBeforeReadingThePassword()
    {
        string[] badDate = [.. CreateAdmin("root").Select(a => a == "2025-01-20" ? "20/01/2025" : a), "--db", DbPath];
        string[] badRole = ["accounts", "create", "--role", "root", .. CreateAdmin("root").Skip(2), "--db", DbPath];

        var date = await RunAsync(FleetApp.Password, badDate);
        var role = await RunAsync(FleetApp.Password, badRole);

        Assert.Equal((2, 2), (date.Code, role.Code));
        Assert.Contains("error: option '--training-date' must be a date like 2025-05-01, not '20/01/2025'", date.Error, StringComparison.Ordinal);
        Assert.Contains("error: option '--role' must be operator, admin or auditor, not 'root'", role.Error, StringComparison.Ordinal);
        Assert.False(File.Exists(DbPath));
    }

    [Fact]
    public async Task CreateAdmin_EqualsFormAndConfigurationKeys_SameAsSpaceSeparated()
    {
        var data = Path.Combine(_directory, "data");
        string[] args = [.. CreateAdmin("root").Select(a => a.StartsWith("--", StringComparison.Ordinal) && a != "--password-stdin" ? a + "=" : a)];
        string[] joined = [.. JoinEquals(args), $"--Fleet:Storage:DataDirectory={data}"];

        var (code, output, error) = await RunAsync(FleetApp.Password, joined);
        var verify = await RunAsync(string.Empty, ["audit", "verify", "--Fleet:Storage:DataDirectory", data]);

        Assert.True(code == 0, error);
        Assert.Contains("Created admin 'root'", output, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(data, "vsa-fleet.db")));
        Assert.Equal(0, verify.Code);
        Assert.Contains("intact: 1 entries", verify.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_RootAndCommand_ListsCommandsAndOptionsExits0()
    {
        var root = await RunAsync(string.Empty, ["--help"]);
        var create = await RunAsync(string.Empty, ["accounts", "create", "--help"]);

        Assert.Equal((0, 0), (root.Code, create.Code));
        Assert.Contains("Without a command it runs the service", root.Output, StringComparison.Ordinal);
        foreach (var command in new[] { "audit", "accounts", "report", "bench", "models", "rollouts", "broker" })
        {
            Assert.Contains($"  {command} ", root.Output, StringComparison.Ordinal);
        }

        Assert.Contains("--role <operator|admin|auditor> (REQUIRED)", create.Output, StringComparison.Ordinal);
        Assert.Contains("--password-stdin (REQUIRED)", create.Output, StringComparison.Ordinal);
        Assert.Contains("--designation-date", create.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("option '--format' must be html or csv, not 'pdf'", "report", "bilan", "--authorisation", "A-1", "--format", "pdf")]
    [InlineData("option '--format' must be html, not 'csv'", "report", "aipd", "--authorisation=A-1", "--format=csv")]
    [InlineData("option '--authorisation' needs the reference of the arrêté, not a blank", "report", "aipd", "--authorisation", " ")]
    [InlineData("Option '--db' is required.", "bench", "reports", "--alerts", "10")]
    [InlineData("option '--alerts' must be an integer in [1, 2147483647], not '0'", "bench", "reports", "--db", "x.db", "--alerts", "0")]
    [InlineData("argument <package> must be the package file, not '--Fleet:Storage:DataDirectory'", "models", "upload")]
    [InlineData("unrecognized argument 'extra.vsamodel'", "models", "upload", "a.vsamodel", "extra.vsamodel")]
    public async Task OtherCommands_BadArguments_Exit2NamingTheOptionWithoutTouchingTheDatabase(string message, params string[] args)
    {
        var (code, _, error) = await RunAsync(string.Empty, [.. args, "--Fleet:Storage:DataDirectory", _directory]);

        Assert.Equal(2, code);
        Assert.Contains($"error: {message}", error, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFileSystemEntries(_directory));
    }

    [Theory]
    [InlineData(new string[0], false)]
    [InlineData(new[] { "--urls", "http://127.0.0.1:0", "--Fleet:Storage:DataDirectory", "data" }, false)]
    [InlineData(new[] { "--contentRoot=/srv/vsa", "--environment=Development" }, false)]
    [InlineData(new[] { "Fleet:Broker:Port=1884" }, false)]
    [InlineData(new[] { "audit", "verify" }, true)]
    [InlineData(new[] { "--help" }, true)]
    [InlineData(new[] { "audti", "verify" }, true)]
    public void IsCommand_FirstArgument_CommandOrServiceConfiguration(string[] args, bool expected) =>
        Assert.Equal(expected, FleetCommandLine.IsCommand(args));

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }

    private static string[] CreateAdmin(string name) =>
    [
        "accounts", "create-admin", "--name", name, "--display-name", "Chef de salle", "--designation-ref", "arrêté 2025-001",
        "--designation-date", "2025-01-06", "--training-date", "2025-01-20", "--password-stdin",
    ];

    private static async Task<(int Code, string Output, string Error)> RunAsync(string stdin, string[] args)
    {
        using var input = new StringReader(stdin);
        await using var output = new StringWriter(CultureInfo.InvariantCulture);
        await using var error = new StringWriter(CultureInfo.InvariantCulture);
        var code = await FleetCommandLine.RunAsync(args, input, output, error, CancellationToken.None);
        return (code, output.ToString(), error.ToString());
    }

    // ["--name=", "root"] → ["--name=root"].
    private static IEnumerable<string> JoinEquals(string[] args)
    {
        for (var i = 0; i < args.Length; i++)
        {
            yield return args[i].EndsWith('=') ? args[i] + args[++i] : args[i];
        }
    }

    private void Sql(string sql)
    {
        using var connection = new SqliteConnection($"Data Source={DbPath}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
