namespace Memento.ChatClient.Terminal;

/// <summary>
/// Logs for the terminal: one line per entry on stderr, with the exception's type and message but never
/// its stack trace, so a diagnostic cannot bury the conversation.
/// </summary>
internal sealed class OneLineLoggerProvider(TextWriter writer) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new OneLineLogger(writer, categoryName);

    public void Dispose()
    {
    }

    private sealed class OneLineLogger(TextWriter writer, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            var message = formatter(state, exception).Split('\n', 2)[0].Trim();
            if (exception is not null)
            {
                message += $" ({exception.GetType().Name}: {exception.Message.Split('\n', 2)[0].Trim()})";
            }

            var level = logLevel switch
            {
                LogLevel.Critical => "crit",
                LogLevel.Error => "fail",
                LogLevel.Warning => "warn",
                _ => "info",
            };
            lock (writer)
            {
                writer.WriteLine($"{level}: {category[(category.LastIndexOf('.') + 1)..]}: {message}");
            }
        }
    }
}
