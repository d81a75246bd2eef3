using Vsa.Edge.Models.Onnx;

namespace Vsa.Edge.Models.Cli;

/// <summary><c>vsa-model inspect file.onnx</c>: inputs, outputs, opset, producer, size, node count.</summary>
public sealed class InspectCommand : IToolCommand
{
    public string Name => "inspect";

    public string Summary => "print an ONNX file's inputs, outputs, opset, producer, size and nodes";

    public string Usage => "vsa-model inspect <file.onnx>";

    public IReadOnlyCollection<string> ValueOptions { get; } = [];

    public IReadOnlyCollection<string> Flags { get; } = [];

    public async Task<int> RunAsync(CommandArgs args, ToolConsole console, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count != 1)
        {
            throw new UsageException("exactly one ONNX file expected");
        }

        var s = OnnxInspector.Inspect(args.Positionals[0]);
        var w = console.Out;
        await w.WriteLineAsync($"file       {s.Path}");
        await w.WriteLineAsync($"size       {s.Bytes / 1e6:0.00} MB ({s.Bytes} bytes)");
        await w.WriteLineAsync($"producer   {s.Producer}");
        await w.WriteLineAsync($"ir         {s.IrVersion}");
        await w.WriteLineAsync($"opset      {string.Join(", ", s.Opsets)}");
        await w.WriteLineAsync($"nodes      {s.NodeCount} ({string.Join(", ", s.OpCounts.Select(p => $"{p.Key} {p.Value}"))})");
        await w.WriteLineAsync($"weights    {s.Initializers} initializers");
        foreach (var (key, value) in s.Metadata)
        {
            await w.WriteLineAsync($"metadata   {key} = {value}");
        }

        await w.WriteLineAsync("inputs");
        foreach (var input in s.Inputs)
        {
            await w.WriteLineAsync($"  {input}");
        }

        await w.WriteLineAsync("outputs");
        foreach (var output in s.Outputs)
        {
            await w.WriteLineAsync($"  {output}");
        }

        return 0;
    }
}
