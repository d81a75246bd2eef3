using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;

namespace Vsa.Edge.Testing;

/// <summary>
/// A throw-away PostgreSQL server: Debian's binaries (package <c>postgresql</c>, <c>/usr/lib/postgresql/15/bin</c>;
/// <c>$VSA_PG_BIN</c> overrides), <c>initdb</c> into a temporary folder, <c>postgres</c> on a free loopback port with its
/// socket in that folder, trust authentication for the <c>postgres</c> user on loopback only. PostgreSQL refuses to run as
/// root, so under root both run as the <c>postgres</c> system user (<c>runuser</c>), and the folder is given to it.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    /// <summary>Where Debian 12 installs the server.</summary>
    public const string DefaultBinDirectory = "/usr/lib/postgresql/15/bin";

    private readonly string _bin;
    private readonly string _directory;
    private readonly StringBuilder _log = new();
    private readonly Process _process;

    private PostgresServer(string bin, string directory, int port, Process process)
    {
        _bin = bin;
        _directory = directory;
        _process = process;
        Port = port;
    }

    /// <summary>The port it listens on, on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>
    /// The process that runs the server (under root, <c>runuser</c>, whose child is the postmaster): the root of the tree whose
    /// processor time a measurement adds up.
    /// </summary>
    public int ProcessId => _process.Id;

    /// <summary>A connection string for database <paramref name="database"/> as the superuser.</summary>
    public string ConnectionString(string database = "postgres") =>
        new NpgsqlConnectionStringBuilder { Host = "127.0.0.1", Port = Port, Username = "postgres", Database = database, Timeout = 10 }.ToString();

    /// <summary>
    /// Initialises and starts a server, and returns once it accepts connections. <paramref name="durable"/> false (tests)
    /// turns fsync off; true (measurements) keeps PostgreSQL's defaults.
    /// </summary>
    public static PostgresServer Start(bool durable = false, TimeSpan? timeout = null)
    {
        var bin = Environment.GetEnvironmentVariable("VSA_PG_BIN") is { Length: > 0 } path ? path : DefaultBinDirectory;
        if (!File.Exists(Path.Combine(bin, "postgres")))
        {
            throw new InvalidOperationException($"PostgreSQL is not installed in {bin}: run 'apt-get install -y postgresql' (or set VSA_PG_BIN).");
        }

        var directory = Directory.CreateTempSubdirectory("vsa-pg-").FullName;
        try
        {
            if (IsRoot)
            {
                Run("chown", "postgres:postgres", directory);
            }

            var data = Path.Combine(directory, "data");
            Run(AsPostgres(Path.Combine(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"));
            var port = MosquittoFixture.FreeLoopbackPort();
            string[] settings = durable
                ? ["-c", "max_connections=200"]
                : ["-c", "max_connections=200", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"];
            var start = AsPostgres([Path.Combine(bin, "postgres"), "-D", data, "-k", directory, "-h", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), .. settings]);
            var process = new Process { StartInfo = Info(start) };
            var server = new PostgresServer(bin, directory, port, process);
            process.ErrorDataReceived += (_, e) => server.Append(e.Data);
            process.OutputDataReceived += (_, e) => server.Append(e.Data);
            process.Start();
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            server.WaitUntilReady(timeout ?? TimeSpan.FromSeconds(30));
            return server;
        }
        catch
        {
            Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public string CreateDatabase(string name)
    {
        using var connection = new NpgsqlConnection(ConnectionString());
        connection.Open();
        using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\";", connection);
        command.ExecuteNonQuery();
        return ConnectionString(name);
    }

    /// <summary>What the server wrote on its output so far.</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        if (!_process.HasExited)
        {
            // Immediate shutdown: nothing here is worth a checkpoint. Killing the process tree is the fallback.
            try
            {
                Run(AsPostgres(Path.Combine(_bin, "pg_ctl"), "-D", Path.Combine(_directory, "data"), "-m", "immediate", "-w", "stop"));
            }
            catch (InvalidOperationException)
            {
                _process.Kill(entireProcessTree: true);
            }

            if (!_process.WaitForExit(10_000))
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp folder is harmless; the test result matters more.
        }
    }

    private static bool IsRoot => Environment.UserName == "root";

    private static string[] AsPostgres(params string[] command) => IsRoot ? ["runuser", "-u", "postgres", "--", .. command] : command;

    private static ProcessStartInfo Info(string[] command)
    {
        var info = new ProcessStartInfo(command[0]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in command.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }

        return info;
    }

    private static void Run(params string[] command)
    {
        using var process = Process.Start(Info(command))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{string.Join(' ', command)} did not finish within a minute.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', command)} exited with code {process.ExitCode}: {stderr.Result}{stdout.Result}");
        }
    }

    private void WaitUntilReady(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var connection = new NpgsqlConnection(ConnectionString() + ";Pooling=false;Timeout=2");
                connection.Open();
                return;
            }
            catch (NpgsqlException)
            {
                // Not accepting yet (starting up, or "the database system is starting up").
            }

            // WaitForExit doubles as the pause between two attempts and as the early-exit detector.
            if (_process.WaitForExit(100))
            {
                throw new InvalidOperationException($"postgres exited with code {_process.ExitCode} before accepting connections on port {Port}. Its log:{Environment.NewLine}{Log}");
            }

            if (deadline.Elapsed > timeout)
            {
                _process.Kill(entireProcessTree: true);
                throw new TimeoutException($"postgres did not accept connections on port {Port} within {timeout}. Its log:{Environment.NewLine}{Log}");
            }
        }
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            _log.AppendLine(line);
        }
    }
}
