public enum ScenarioPlaceholder {}
