using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.FleetManager.Accounts;
using Vsa.Edge.FleetManager.Api;
using Vsa.Edge.FleetManager.Rollouts;

namespace Vsa.Edge.FleetManager.CommandLine;

/// <summary>
/// <c>vsa-fleet rollouts list|show|start|pause|resume|promote|abort</c>: the rollout API of a running fleet manager, as an
/// administrator. Unlike <c>models upload</c> these go over HTTP, never to the database: a rollout is moved on by the running
/// fleet's driver and sent through its broker, and the API's checks, lock and audit entries (actor: the administrator) apply.
/// The administrator signs in with <c>--name</c> and the password on standard input (<c>--password-stdin</c>), as
/// <c>accounts create</c> takes it. Exit codes: 0 done, 1 the fleet refused (its problem details are printed), 2 usage,
/// sign-in or connection error.
/// </summary>
internal static class RolloutCommands
{
    public const string Usage = """
        vsa-fleet rollouts list | show <id> | pause|resume|promote|abort <id> [--reason <text>]
                  | start --package <sha256> (--devices a,b | --site <site> | --all) [--canary a,b | --canary-devices N | --canary-percent P]
                    [--waves 10,50,100] [--soak-minutes M] [--max-p95-increase F] [--max-fps-drop F] [--max-restarts N]
                    [--stage-timeout-minutes M] [--kind detector|pose]
                  --fleet <http(s) URL of the fleet manager> --name <administrator> --password-stdin
        """;

    private static readonly string[] Flags = ["--fleet", "--name", "--reason", "--package", "--devices", "--site", "--canary", "--canary-devices",
        "--canary-percent", "--waves", "--soak-minutes", "--max-p95-increase", "--max-fps-drop", "--max-restarts", "--stage-timeout-minutes", "--kind"];

    private static readonly string[] Actions = ["pause", "resume", "promote", "abort"];

    /// <summary>Runs <paramref name="args"/> (starting with <c>rollouts</c>); <paramref name="client"/> makes the HTTP client for a base URL (tests).</summary>
    public static async Task<int> RunAsync(string[] args, TextReader input, TextWriter output, TextWriter error, Func<Uri, HttpClient>? client, CancellationToken cancellationToken)
    {
        var (verb, id, rest) = args switch
        {
            ["rollouts", "list", .. var more] => ("list", (long?)null, more),
            ["rollouts", "start", .. var more] => ("start", null, more),
            ["rollouts", var v, var n, .. var more] when (v == "show" || Actions.Contains(v)) && long.TryParse(n, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) => (v, parsed, more),
            _ => (null, null, Array.Empty<string>()),
        };
        if (verb is null)
        {
            return await UsageAsync(error, "Name a rollout command (and the rollout's number for show, pause, resume, promote, abort).");
        }

        if (!TryParse(rest, out var flags, out var problem))
        {
            return await UsageAsync(error, problem);
        }

        if (!flags.TryGetValue("--fleet", out var fleet) || !Uri.TryCreate(fleet, UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
        {
            return await UsageAsync(error, "--fleet must be the fleet manager's http(s) URL, e.g. http://127.0.0.1:5080.");
        }

        if (baseUri.Scheme == "http" && !baseUri.IsLoopback)
        {
            // The administrator's password and session cookie would cross the network in clear.
            return await UsageAsync(error, $"--fleet {fleet}: plain http is accepted on this machine's loopback only; use the fleet's https URL.");
        }

        if (!flags.TryGetValue("--name", out var name) || !flags.ContainsKey("--password-stdin"))
        {
            return await UsageAsync(error, "--name <administrator> and --password-stdin are required (the password is read from standard input).");
        }

        RolloutRequest? request = null;
        if (verb == "start" && !TryRequest(flags, out request, out problem))
        {
            return await UsageAsync(error, problem);
        }

        var password = await input.ReadLineAsync(cancellationToken) ?? string.Empty;
        using var http = client?.Invoke(baseUri) ?? new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = baseUri };
        http.Timeout = TimeSpan.FromSeconds(60);

        // A change made on a session cookie must name the fleet's own origin (as the console's page does).
        http.DefaultRequestHeaders.Add("Origin", baseUri.GetLeftPart(UriPartial.Authority));
        try
        {
            using (var login = await http.PostAsJsonAsync("/api/auth/login", new LoginRequest(name, password), FleetJsonContext.Default.LoginRequest, cancellationToken))
            {
                if (!login.IsSuccessStatusCode)
                {
                    await error.WriteLineAsync($"Sign-in as {name} refused by {baseUri}: {(int)login.StatusCode} {login.ReasonPhrase}.");
                    return 2;
                }
            }

            using var response = verb switch
            {
                "list" => await http.GetAsync("/api/rollouts", cancellationToken),
                "show" => await http.GetAsync($"/api/rollouts/{id}", cancellationToken),
                "start" => await http.PostAsJsonAsync("/api/rollouts", request!, RolloutJsonContext.Default.RolloutRequest, cancellationToken),
                _ => await http.PostAsJsonAsync($"/api/rollouts/{id}/{verb}", new RolloutActionRequest(flags.GetValueOrDefault("--reason")), RolloutJsonContext.Default.RolloutActionRequest, cancellationToken),
            };
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                await error.WriteLineAsync($"Refused ({(int)response.StatusCode}): {ProblemText(body)}");
                return response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden ? 2 : 1;
            }

            if (verb == "list")
            {
                var list = JsonSerializer.Deserialize(body, RolloutJsonContext.Default.IReadOnlyListRolloutView) ?? [];
                await RolloutText.WriteListAsync(list, output);
            }
            else
            {
                await RolloutText.WriteAsync(JsonSerializer.Deserialize(body, RolloutJsonContext.Default.RolloutView)!, output);
            }

            return 0;
        }
        catch (HttpRequestException ex)
        {
            await error.WriteLineAsync($"Cannot reach the fleet manager at {baseUri}: {ex.Message}");
            return 2;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            await error.WriteLineAsync($"The fleet manager at {baseUri} did not answer within {http.Timeout.TotalSeconds} s.");
            return 2;
        }
    }

    private static bool TryRequest(Dictionary<string, string> flags, out RolloutRequest? request, out string problem)
    {
        request = null;
        problem = string.Empty;
        static IReadOnlyList<string>? List(Dictionary<string, string> f, string name) =>
            f.TryGetValue(name, out var v) ? v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : null;
        try
        {
            request = new RolloutRequest(
                flags.GetValueOrDefault("--package"),
                flags.GetValueOrDefault("--kind"),
                List(flags, "--devices"),
                flags.GetValueOrDefault("--site"),
                flags.ContainsKey("--all") ? true : null,
                Int(flags, "--canary-devices"),
                Number(flags, "--canary-percent"),
                List(flags, "--waves")?.Select(w => double.Parse(w, NumberStyles.Float, CultureInfo.InvariantCulture)).ToArray(),
                Number(flags, "--soak-minutes"),
                Number(flags, "--max-p95-increase"),
                Number(flags, "--max-fps-drop"),
                Int(flags, "--max-restarts"),
                Number(flags, "--stage-timeout-minutes"),
                List(flags, "--canary"));
            return true;
        }
        catch (FormatException)
        {
            // The fleet checks ranges and the target; here only that numbers are numbers.
            problem = "--canary-devices, --max-restarts are whole numbers; --canary-percent, --waves, --soak-minutes, --max-p95-increase, --max-fps-drop, --stage-timeout-minutes are numbers (e.g. 0.25).";
            return false;
        }
    }

    private static int? Int(Dictionary<string, string> flags, string name) =>
        flags.TryGetValue(name, out var v) ? int.Parse(v, NumberStyles.Integer, CultureInfo.InvariantCulture) : null;

    private static double? Number(Dictionary<string, string> flags, string name) =>
        flags.TryGetValue(name, out var v) ? double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture) : null;

    private static bool TryParse(ReadOnlySpan<string> args, out Dictionary<string, string> flags, out string problem)
    {
        flags = new Dictionary<string, string>(StringComparer.Ordinal);
        problem = string.Empty;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--password-stdin" or "--all")
            {
                flags[args[i]] = "true";
            }
            else if (Flags.Contains(args[i]) && i + 1 < args.Length)
            {
                flags[args[i]] = args[++i];
            }
            else
            {
                problem = Flags.Contains(args[i]) ? $"{args[i]} needs a value." : $"Unknown argument '{args[i]}'.";
                return false;
            }
        }

        return true;
    }

    // Problem details as one line: the title, then every problem or field error.
    private static string ProblemText(string body)
    {
        try
        {
            var problem = JsonNode.Parse(body)?.AsObject();
            if (problem is null)
            {
                return body;
            }

            var lines = new List<string> { (string?)problem["title"] ?? "refused" };
            lines.AddRange(problem["problems"]?.AsArray().Select(p => (string?)p ?? string.Empty) ?? []);
            lines.AddRange(problem["errors"]?.AsObject().SelectMany(e => e.Value!.AsArray().Select(m => (string?)m ?? string.Empty)) ?? []);
            return string.Join(Environment.NewLine + "  ", lines);
        }
        catch (JsonException)
        {
            return body.Length > 500 ? body[..500] : body;
        }
    }

    private static async Task<int> UsageAsync(TextWriter error, string problem)
    {
        await error.WriteLineAsync($"{problem}{Environment.NewLine}{Usage}");
        return 2;
    }
}
