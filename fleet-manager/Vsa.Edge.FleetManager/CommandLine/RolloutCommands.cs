using System.CommandLine;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Vsa.Edge.CommandLine;
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
    /// <summary><c>vsa-fleet rollouts</c> and its verbs.</summary>
    public static Command Create(FleetConsole console)
    {
        var rollouts = new Command("rollouts", "The rollouts of a running fleet manager, over its API, as an administrator.");
        rollouts.Subcommands.Add(Verb(console, "list", "The rollouts, one a line.", null, null, null));
        var id = CliValueOptions.Id("id", "The rollout's number");
        rollouts.Subcommands.Add(Verb(console, "show", "One rollout: its stages, gates and devices.", id, null, null));
        foreach (var (verb, what) in Actions)
        {
            var reason = new Option<string>("--reason") { Description = "Why, written in the audit log" };
            rollouts.Subcommands.Add(Verb(console, verb, what, CliValueOptions.Id("id", "The rollout's number"), reason, null));
        }

        var start = new StartOptions();
        rollouts.Subcommands.Add(Verb(console, "start", "Start a rollout of an uploaded model package; the fleet checks the target and the gates.", null, null, start));
        return rollouts;
    }

    private static readonly (string Verb, string What)[] Actions =
    [
        ("pause", "Pause a rollout: no device moves on until it is resumed."),
        ("resume", "Resume a paused rollout."),
        ("promote", "Move a rollout to its next stage now, without waiting for the soak."),
        ("abort", "Abort a rollout: its devices go back to the model they had."),
    ];

    private static Command Verb(FleetConsole console, string verb, string description, Argument<long>? id, Option<string>? reason, StartOptions? start)
    {
        var fleet = new Option<Uri>("--fleet")
        {
            Description = "The fleet manager's URL: https, or http on this machine's loopback",
            HelpName = "http(s) URL",
            Required = true,
            CustomParser = FleetUri,
        };
        var name = new Option<string>("--name") { Description = "The administrator who signs in", HelpName = "administrator", Required = true };
        var command = new Command(verb, $"{description}{Environment.NewLine}Signs in with --name and the password on standard input. Exit codes: 0 done, 1 the fleet refused (its problem details are printed), 2 usage, sign-in or connection error.");
        if (id is not null)
        {
            command.Arguments.Add(id);
        }

        if (reason is not null)
        {
            command.Options.Add(reason);
        }

        start?.AddTo(command);
        command.Options.Add(fleet);
        command.Options.Add(name);
        AccountCommands.PasswordStdin(command);
        command.SetAction((r, ct) => RunAsync(
            verb, id is null ? null : r.GetValue(id), reason is null ? null : r.GetValue(reason), start?.Read(r),
            r.GetRequiredValue(fleet), r.GetRequiredValue(name), console, ct));
        return command;
    }

    // An absolute http(s) URL; plain http only to this machine's loopback, where the password and the cookie stay.
    private static Uri? FleetUri(System.CommandLine.Parsing.ArgumentResult result)
    {
        var text = result.Tokens.Count > 0 ? result.Tokens[^1].Value : string.Empty;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            result.AddError($"option '--fleet' must be the fleet manager's http(s) URL, e.g. http://127.0.0.1:5080, not '{text}'");
            return null;
        }

        if (uri.Scheme == "http" && !uri.IsLoopback)
        {
            // The administrator's password and session cookie would cross the network in clear.
            result.AddError($"option '--fleet' {text}: plain http is accepted on this machine's loopback only; use the fleet's https URL");
            return null;
        }

        return uri;
    }

    private static async Task<int> RunAsync(string verb, long? id, string? reason, RolloutRequest? request, Uri baseUri, string name, FleetConsole console, CancellationToken cancellationToken)
    {
        var (input, output, error) = (console.Input, console.Output, console.Error);
        var password = await input.ReadLineAsync(cancellationToken) ?? string.Empty;
        using var http = console.Client?.Invoke(baseUri) ?? new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = baseUri };
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
                _ => await http.PostAsJsonAsync($"/api/rollouts/{id}/{verb}", new RolloutActionRequest(reason), RolloutJsonContext.Default.RolloutActionRequest, cancellationToken),
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
}
