using System.CommandLine;
using Vsa.Edge.Agent.Inference;

namespace Vsa.Edge.Agent.Commands;

/// <summary>Options several <c>vsa-agent</c> commands share, with the same names, defaults and checks.</summary>
internal static class AgentCliOptions
{
    /// <summary>The default provider list: the first that loads wins.</summary>
    public const string DefaultProviders = $"{ExecutionProviderNames.TensorRt},{ExecutionProviderNames.Cuda},{ExecutionProviderNames.Cpu}";

    /// <summary><c>--data-dir</c>: the agent's data folder (outbox, credentials, models), <see cref="AgentPaths.DefaultDataDirectory"/> by default.</summary>
    public static Option<string> DataDirectory(string description = "the agent's data folder") =>
        new("--data-dir") { Description = description, HelpName = "dir", DefaultValueFactory = _ => AgentPaths.DefaultDataDirectory };

    /// <summary><c>--model</c>: the detector's folder (manifest + ONNX), <see cref="AgentPaths.DefaultModelDirectory"/> by default.</summary>
    public static Option<string> ModelDirectory() =>
        new("--model") { Description = "the detector model's folder (manifest.json + ONNX)", HelpName = "dir", DefaultValueFactory = _ => AgentPaths.DefaultModelDirectory };

    /// <summary><c>--providers</c>: execution providers in order of preference, comma-separated.</summary>
    /// <param name="checkNames">Refuse an unknown provider name at parse time (analyze); otherwise loading the model reports it.</param>
    public static Option<string[]> Providers(bool checkNames)
    {
        var option = new Option<string[]>("--providers")
        {
            Description = $"execution providers in order of preference: {string.Join(", ", ExecutionProviderNames.Known)} (e.g. CPU or CUDA,CPU)",
            HelpName = "list",
            Arity = ArgumentArity.ExactlyOne,
            CustomParser = r => Split(r.Tokens.Count > 0 ? r.Tokens[^1].Value : string.Empty),
            DefaultValueFactory = _ => Split(DefaultProviders),
        };
        if (checkNames)
        {
            option.Validators.Add(r =>
            {
                var providers = r.GetValueOrDefault<string[]>() ?? [];
                var invalid = new InferenceOptionsValidator().Validate(null, new InferenceOptions { ExecutionProviders = providers });
                if (invalid.Failed && providers.Any(p => ExecutionProviderNames.Normalise(p) is null))
                {
                    r.AddError($"option '--providers': {invalid.FailureMessage}");
                }
            });
        }

        return option;
    }

    /// <summary>An http:// or https:// address (the fleet manager's).</summary>
    /// <param name="name">The option's name.</param>
    /// <param name="description">What it is.</param>
    /// <param name="directory">Treat the address as a folder: a trailing '/' is added so relative API paths keep its path.</param>
    /// <param name="required">Whether the option must be given.</param>
    public static Option<Uri?> HttpAddress(string name, string description, bool directory, bool required = false) =>
        new(name)
        {
            Description = description,
            HelpName = "http(s)://fleet",
            Required = required,
            CustomParser = r =>
            {
                var text = r.Tokens.Count > 0 ? r.Tokens[^1].Value : string.Empty;
                if (Uri.TryCreate(directory && !text.EndsWith('/') ? text + "/" : text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
                {
                    return uri;
                }

                r.AddError($"option '{name}' must be an http:// or https:// address, not '{text}'");
                return null;
            },
        };

    private static string[] Split(string text) => text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
