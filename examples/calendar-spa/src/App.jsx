import { useState } from 'react';
import { Calendar } from './Calendar.jsx';
import { TokenForm } from './TokenForm.jsx';
import { clearToken, loadToken, saveToken } from './token.js';

export function App() {
  const [token, setToken] = useState(loadToken);
  if (!token) {
    return (
      <TokenForm
        onToken={(value) => {
          saveToken(value);
          setToken(value);
        }}
      />
    );
  }
  return (
    <Calendar
      key={token}
      token={token}
      onSignOut={() => {
        clearToken();
        setToken(null);
      }}
    />
  );
}
